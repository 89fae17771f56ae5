package io.tern.transport;

import io.tern.engine.Engine;
import io.tern.engine.session.Session;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import org.xnio.IoUtils;
import org.xnio.Pooled;

import java.nio.ByteBuffer;

/**
 * Dispatches the frames of one websocket: data messages to the {@link MessageReader}, Pongs to
 * {@link Engine#onPong}. Pings are answered by Undertow (same payload, rate limited to
 * Undertow's 300 per minute; more get Close 1008). A client Close is answered like gorilla does:
 * its code echoed with an empty reason (an empty payload for a code-less Close), then the socket
 * is closed. IO thread.
 */
final class InboundListener extends AbstractReceiveListener
{
    private final Engine engine;
    private final Session session;
    private final Connection connection;
    private final MessageReader reader;

    /**
     * @param engine     the engine.
     * @param session    the connection's session.
     * @param connection the connection, ended on read errors.
     * @param reader     the connection's message reader.
     */
    InboundListener(final Engine engine, final Session session, final Connection connection, final MessageReader reader)
    {
        this.engine = engine;
        this.session = session;
        this.connection = connection;
        this.reader = reader;
    }

    /**
     * A protocol error or a failed read: Undertow may have queued a Close (1002, 1007) that
     * should still reach the peer, so the socket is not cut at once.
     */
    @Override
    protected void onError(final WebSocketChannel channel, final Throwable error)
    {
        connection.abort();
    }

    @Override
    protected void onText(final WebSocketChannel channel, final StreamSourceFrameChannel message)
    {
        reader.start(message);
    }

    @Override
    protected void onBinary(final WebSocketChannel channel, final StreamSourceFrameChannel message)
    {
        reader.start(message);
    }

    @Override
    protected void onFullPongMessage(final WebSocketChannel channel, final BufferedBinaryMessage message)
    {
        message.getData().free();
        engine.onPong(session);
    }

    @Override
    protected void onFullCloseMessage(final WebSocketChannel channel, final BufferedBinaryMessage message)
    {
        final Pooled<ByteBuffer[]> data = message.getData();
        final ByteBuffer reply = ByteBuffer.allocate(2);
        try
        {
            final ByteBuffer[] payload = data.getResource();
            int read = 0;
            for (final ByteBuffer buffer : payload)
            {
                while (buffer.hasRemaining() && read < 2)
                {
                    reply.put(buffer.get());
                    read++;
                }
            }
            reply.position(0).limit(read < 2 ? 0 : 2);
        }
        finally
        {
            data.free();
        }
        if (channel.isCloseFrameSent())
        {
            IoUtils.safeClose(channel);
        }
        else
        {
            WebSockets.sendClose(reply, channel, Connection.CLOSE_WHEN_FLUSHED);
        }
    }
}
