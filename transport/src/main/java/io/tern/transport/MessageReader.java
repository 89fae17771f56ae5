package io.tern.transport;

import io.tern.engine.Engine;
import io.tern.engine.inbound.InboundHandler;
import io.tern.engine.session.Session;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSocketFrameType;
import io.undertow.websockets.extensions.ExtensionFunction;
import org.xnio.ChannelListener;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads one data message at a time of one connection into pooled buffers and hands a complete
 * text message to {@link Engine#onText} as those buffers (no {@code String}; the engine copies
 * them before returning, then they go back to the pool).
 *
 * <p>Limits (PROTOCOL.md §1.3, §1.4, Part I.3 item 6):
 * <ul>
 * <li>More than {@link #READ_LIMIT} payload bytes on the wire: Close 1009 with an empty reason,
 * then the TCP connection is closed. For an uncompressed message the bytes read are the wire
 * bytes; for a compressed one {@link DeflateFunction} counts the compressed bytes.</li>
 * <li>More than {@link #MAX_MESSAGE} bytes once inflated (only possible with compression):
 * the message is read to its end without keeping it, then dropped; it still reaches
 * {@link Engine#onIgnoredMessage} so it counts against the global limiter.</li>
 * <li>Binary messages: read, not kept, reported to {@link Engine#onIgnoredMessage}.</li>
 * </ul>
 * So, exactly as in Pelican, a compressed message of at most 4096 wire bytes that inflates to
 * between 4097 and 32768 bytes is delivered, and one that inflates past 32768 bytes is dropped.
 *
 * <p>Runs on the connection's IO thread only, never blocks: when no more bytes are buffered it
 * waits for the source channel's read listener.
 */
final class MessageReader implements ChannelListener<StreamSourceFrameChannel>
{
    /** Per-message wire limit (Pelican's {@code SetReadLimit(4096)}). */
    static final int READ_LIMIT = 4096;
    /** Largest message handled once inflated; larger ones are dropped. */
    static final int MAX_MESSAGE = InboundHandler.MAX_MESSAGE;

    private final Engine engine;
    private final Connection connection;
    private final WebSocketChannel channel;
    private final DeflateFunction deflate;
    private final PooledByteBuffer[] parts;
    private final ByteBuffer[][] views;
    private Session session;
    private StreamSourceFrameChannel message;
    private boolean compressed;
    private boolean keep;
    private int count;
    private int size;
    private boolean released;

    /**
     * @param engine     the engine the messages go to.
     * @param connection the connection, closed with 1009 past the read limit.
     * @param channel    the websocket.
     * @param bufferSize the size of a pooled buffer, which decides how many a message may need.
     */
    MessageReader(final Engine engine, final Connection connection, final WebSocketChannel channel, final int bufferSize)
    {
        this.engine = engine;
        this.connection = connection;
        this.channel = channel;
        final ExtensionFunction extension = channel.getExtensionFunction();
        this.deflate = extension instanceof DeflateFunction ? (DeflateFunction)extension : null;
        final int maxParts = MAX_MESSAGE / bufferSize + 2;
        this.parts = new PooledByteBuffer[maxParts];
        this.views = new ByteBuffer[maxParts + 1][];
    }

    /**
     * @param session the engine session messages are reported for.
     */
    void attach(final Session session)
    {
        this.session = session;
    }

    /**
     * Starts reading a text or binary message the websocket just announced.
     *
     * @param source the message's frame channel.
     */
    void start(final StreamSourceFrameChannel source)
    {
        if (released)
        {
            return;
        }
        message = source;
        compressed = (source.getRsv() & ExtensionFunction.RSV1) != 0;
        keep = source.getType() == WebSocketFrameType.TEXT;
        count = 0;
        size = 0;
        if (!readAvailable())
        {
            source.getReadSetter().set(this);
            source.resumeReads();
        }
    }

    @Override
    public void handleEvent(final StreamSourceFrameChannel source)
    {
        if (source != message || readAvailable())
        {
            source.suspendReads();
        }
    }

    /**
     * Reads what is buffered.
     *
     * @return true when the message is finished (delivered, dropped or the connection is closing).
     */
    private boolean readAvailable()
    {
        while (true)
        {
            final ByteBuffer target = target();
            final int read;
            try
            {
                read = message.read(target);
            }
            catch (final IOException ex)
            {
                finish();
                connection.abort();
                return true;
            }
            if (compressed && deflate != null && deflate.overReadLimit())
            {
                finish();
                connection.close(1009, "");
                return true;
            }
            if (read == -1)
            {
                deliver();
                return true;
            }
            if (read == 0)
            {
                return false;
            }
            size += read;
            if (!compressed && size > READ_LIMIT)
            {
                finish();
                connection.close(1009, "");
                return true;
            }
            if (keep && size > MAX_MESSAGE)
            {
                keep = false;
                freeParts(1);
            }
        }
    }

    /**
     * @return where the next bytes go: the current part while the message is kept (a new part when
     * it is full), otherwise the first part, cleared, as scratch space.
     */
    private ByteBuffer target()
    {
        if (!keep)
        {
            if (count == 0)
            {
                parts[count++] = channel.getBufferPool().allocate();
            }
            final ByteBuffer scratch = parts[0].getBuffer();
            scratch.clear();
            return scratch;
        }
        if (count == 0 || !parts[count - 1].getBuffer().hasRemaining())
        {
            parts[count++] = channel.getBufferPool().allocate();
        }
        return parts[count - 1].getBuffer();
    }

    private void deliver()
    {
        if (keep)
        {
            ByteBuffer[] payload = views[count];
            if (payload == null)
            {
                payload = views[count] = new ByteBuffer[count];
            }
            for (int i = 0; i < count; i++)
            {
                payload[i] = parts[i].getBuffer().flip();
            }
            engine.onText(session, payload);
            for (int i = 0; i < count; i++)
            {
                payload[i] = null;
            }
        }
        else
        {
            engine.onIgnoredMessage(session);
        }
        finish();
    }

    private void finish()
    {
        freeParts(0);
        message = null;
    }

    private void freeParts(final int from)
    {
        for (int i = from; i < count; i++)
        {
            parts[i].close();
            parts[i] = null;
        }
        count = Math.min(count, from);
    }

    /**
     * Gives the buffers of a half-read message back to the pool when the connection is gone.
     */
    void release()
    {
        released = true;
        finish();
    }
}
