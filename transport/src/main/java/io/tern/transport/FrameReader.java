package io.tern.transport;

import io.tern.engine.Engine;
import io.tern.engine.inbound.InboundHandler;
import io.tern.engine.session.Session;
import org.xnio.ChannelListener;
import org.xnio.conduits.ConduitStreamSourceChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The read side of RFC 6455 for one connection: parses the client's frames, answers control
 * frames, and hands each complete text message to {@link Engine#onText} (inflated when
 * permessage-deflate is on; no {@code String}, the engine copies the bytes before returning).
 *
 * <p>Limits (PROTOCOL.md §1.3, §1.4, Part I.3 item 6), as in Pelican:
 * <ul>
 * <li>More than {@link #READ_LIMIT} payload bytes of one message on the wire (compressed bytes
 * for a compressed message): Close 1009 with an empty reason, then the socket is closed.</li>
 * <li>More than {@link #MAX_MESSAGE} bytes once inflated: dropped, but it still reaches
 * {@link Engine#onIgnoredMessage} so it counts against the global limiter. No more than that
 * is ever inflated (no compression bomb).</li>
 * <li>Binary messages: read, not kept, reported to {@link Engine#onIgnoredMessage}.</li>
 * </ul>
 * Stricter than gorilla, as Undertow was: a protocol error (an unmasked frame, reserved bits or
 * opcodes, a bad fragment sequence, a fragmented or long control frame) gets Close 1002, text
 * that is not UTF-8 Close 1007, and more than {@link #PINGS_PER_MINUTE} Pings a minute Close 1008.
 * Pings are answered with a Pong of the same payload; a client Close is answered like gorilla
 * does, its code echoed with an empty reason (an empty payload for a code-less Close).
 *
 * <p>IO thread of the connection only; never blocks. Bytes are read into the thread's
 * {@link ThreadBuffers}; a connection keeps bytes of its own only while a frame or a fragmented
 * message is incomplete.
 */
final class FrameReader implements ChannelListener<ConduitStreamSourceChannel>
{
    /** Per-message wire limit (Pelican's {@code SetReadLimit(4096)}). */
    static final int READ_LIMIT = 4096;
    /** Largest message handled once inflated; larger ones are dropped. */
    static final int MAX_MESSAGE = InboundHandler.MAX_MESSAGE;
    /** Pings answered per minute before the peer is closed with 1008 (Undertow's limit). */
    static final int PINGS_PER_MINUTE = 300;

    private static final int CONTINUATION = 0x0;
    private static final int TEXT = 0x1;
    private static final int BINARY = 0x2;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;
    private static final byte[] TAIL = {0, 0, (byte)0xFF, (byte)0xFF};
    private static final long MINUTE_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Engine engine;
    private final Connection connection;
    private final ConduitStreamSourceChannel source;
    private final boolean deflate;
    private Session session;
    /** Bytes of an incomplete frame left from the last read. */
    private byte[] carry;
    /** The data message being received across frames: its opcode, or 0 between messages. */
    private int messageType;
    private boolean messageCompressed;
    private int messageWireBytes;
    /** The fragments of a message received so far, when it spans frames. */
    private byte[] fragments;
    private int fragmentsLength;
    private long pingWindowStart;
    private int pingsInWindow;
    private volatile boolean stopped;

    /**
     * @param engine     the engine the messages go to.
     * @param connection the connection, for control replies and closing.
     * @param source     the socket's read side.
     * @param deflate    whether permessage-deflate was negotiated.
     */
    FrameReader(final Engine engine, final Connection connection, final ConduitStreamSourceChannel source, final boolean deflate)
    {
        this.engine = engine;
        this.connection = connection;
        this.source = source;
        this.deflate = deflate;
    }

    /**
     * @param session the engine session messages are reported for.
     */
    void attach(final Session session)
    {
        this.session = session;
        this.pingWindowStart = engine.clock().nanoTime();
    }

    /**
     * Starts reading; bytes the client sent right behind its upgrade request are read at once.
     */
    void start()
    {
        source.getReadSetter().set(this);
        source.resumeReads();
        source.wakeupReads();
    }

    @Override
    public void handleEvent(final ConduitStreamSourceChannel channel)
    {
        if (stopped)
        {
            channel.suspendReads();
            return;
        }
        final ThreadBuffers buffers = ThreadBuffers.get();
        final ByteBuffer in = buffers.read;
        in.clear();
        if (carry != null)
        {
            in.put(carry);
            carry = null;
        }
        while (!stopped)
        {
            final int read;
            try
            {
                read = channel.read(in);
            }
            catch (final IOException ex)
            {
                stop();
                connection.abort();
                return;
            }
            in.flip();
            parse(in, buffers);
            in.compact();
            if (read == -1)
            {
                stop();
                connection.abort();
                return;
            }
            if (read == 0)
            {
                break;
            }
        }
        if (!stopped && in.position() > 0)
        {
            carry = Arrays.copyOf(in.array(), in.position());
        }
    }

    /** Parses every complete frame in {@code in}; an incomplete one stays there. */
    private void parse(final ByteBuffer in, final ThreadBuffers buffers)
    {
        final byte[] bytes = in.array();
        while (!stopped && in.remaining() >= 2)
        {
            final int start = in.position();
            final int b0 = bytes[start] & 0xFF;
            final int b1 = bytes[start + 1] & 0xFF;
            final boolean fin = (b0 & 0x80) != 0;
            final boolean rsv1 = (b0 & 0x40) != 0;
            final int opcode = b0 & 0x0F;
            final int length7 = b1 & 0x7F;
            final int headerLength = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + 4;
            if ((b1 & 0x80) == 0 || (b0 & 0x30) != 0 || !validOpcode(opcode, fin, rsv1, length7))
            {
                protocolError();
                return;
            }
            if (in.remaining() < headerLength)
            {
                return;
            }
            final long length = payloadLength(bytes, start, length7);
            if (opcode < CLOSE && messageWireBytes + length > READ_LIMIT)
            {
                stop();
                connection.close(1009, "");
                return;
            }
            if (length < 0)
            {
                protocolError();
                return;
            }
            if (in.remaining() < headerLength + length)
            {
                return;
            }
            final int payload = start + headerLength;
            unmask(bytes, payload, (int)length, start + headerLength - 4);
            in.position(payload + (int)length);
            if (opcode >= CLOSE)
            {
                control(opcode, bytes, payload, (int)length);
            }
            else
            {
                data(opcode, fin, rsv1, bytes, payload, (int)length, buffers);
            }
        }
    }

    /** Checks a frame's opcode, FIN and RSV1 against the message in progress. */
    private boolean validOpcode(final int opcode, final boolean fin, final boolean rsv1, final int length7)
    {
        switch (opcode)
        {
            case CONTINUATION:
                return messageType != 0 && !rsv1;
            case TEXT:
            case BINARY:
                return messageType == 0 && (!rsv1 || deflate);
            case CLOSE:
            case PING:
            case PONG:
                return fin && !rsv1 && length7 <= 125;
            default:
                return false;
        }
    }

    private static long payloadLength(final byte[] bytes, final int start, final int length7)
    {
        if (length7 < 126)
        {
            return length7;
        }
        if (length7 == 126)
        {
            return (bytes[start + 2] & 0xFF) << 8 | bytes[start + 3] & 0xFF;
        }
        long length = 0;
        for (int i = 0; i < 8; i++)
        {
            length = length << 8 | bytes[start + 2 + i] & 0xFF;
        }
        return length;
    }

    private static void unmask(final byte[] bytes, final int offset, final int length, final int maskAt)
    {
        for (int i = 0; i < length; i++)
        {
            bytes[offset + i] ^= bytes[maskAt + (i & 3)];
        }
    }

    private void data(
        final int opcode, final boolean fin, final boolean rsv1,
        final byte[] bytes, final int offset, final int length, final ThreadBuffers buffers)
    {
        if (opcode != CONTINUATION)
        {
            messageType = opcode;
            messageCompressed = rsv1;
            messageWireBytes = 0;
            fragmentsLength = 0;
        }
        messageWireBytes += length;
        if (fin && fragmentsLength == 0 && opcode != CONTINUATION)
        {
            complete(bytes, offset, length, buffers);
            return;
        }
        if (messageType == TEXT)
        {
            if (fragments == null || fragments.length < fragmentsLength + length)
            {
                fragments = Arrays.copyOf(fragments == null ? new byte[0] : fragments, Math.max(256, (fragmentsLength + length) * 2));
            }
            System.arraycopy(bytes, offset, fragments, fragmentsLength, length);
            fragmentsLength += length;
        }
        if (fin)
        {
            final byte[] whole = fragments;
            final int wholeLength = fragmentsLength;
            fragments = null;
            fragmentsLength = 0;
            complete(whole, 0, wholeLength, buffers);
        }
    }

    /** A whole data message: text is inflated, checked and delivered; binary is counted and dropped. */
    private void complete(final byte[] bytes, final int offset, final int length, final ThreadBuffers buffers)
    {
        final int type = messageType;
        messageType = 0;
        messageWireBytes = 0;
        if (type != TEXT)
        {
            engine.onIgnoredMessage(session);
            return;
        }
        ByteBuffer view;
        byte[] text = bytes;
        int textOffset = offset;
        int textLength = length;
        if (messageCompressed)
        {
            textLength = inflate(bytes, offset, length, buffers);
            if (textLength < 0)
            {
                stop();
                connection.abort();
                return;
            }
            if (textLength > MAX_MESSAGE)
            {
                engine.onIgnoredMessage(session);
                return;
            }
            text = buffers.inflated;
            textOffset = 0;
            view = buffers.inflatedView;
        }
        else
        {
            view = bytes == buffers.read.array() ? buffers.readView : ByteBuffer.wrap(bytes);
        }
        if (!Utf8.isValid(text, textOffset, textLength))
        {
            stop();
            connection.close(1007, "");
            return;
        }
        view.limit(textOffset + textLength).position(textOffset);
        buffers.payload[0] = view;
        engine.onText(session, buffers.payload);
        buffers.payload[0] = null;
    }

    /**
     * Inflates a compressed message into the thread's buffer, stopping one byte past
     * {@link #MAX_MESSAGE}.
     *
     * @return the inflated length (more than {@link #MAX_MESSAGE} when oversize), or -1 when the
     * data is not valid deflate.
     */
    private static int inflate(final byte[] bytes, final int offset, final int length, final ThreadBuffers buffers)
    {
        final Inflater inflater = buffers.inflater;
        final byte[] out = buffers.inflated;
        inflater.reset();
        try
        {
            inflater.setInput(bytes, offset, length);
            int produced = inflateAvailable(inflater, out, 0);
            if (produced < out.length)
            {
                inflater.setInput(TAIL);
                produced = inflateAvailable(inflater, out, produced);
            }
            return produced;
        }
        catch (final DataFormatException ex)
        {
            return -1;
        }
        finally
        {
            inflater.reset();
        }
    }

    private static int inflateAvailable(final Inflater inflater, final byte[] out, final int from) throws DataFormatException
    {
        int produced = from;
        while (produced < out.length && !inflater.finished())
        {
            final int n = inflater.inflate(out, produced, out.length - produced);
            if (n == 0 && (inflater.needsInput() || inflater.needsDictionary()))
            {
                break;
            }
            produced += n;
        }
        return produced;
    }

    private void control(final int opcode, final byte[] bytes, final int offset, final int length)
    {
        switch (opcode)
        {
            case PING:
                if (overPingLimit())
                {
                    stop();
                    connection.close(1008, "");
                    return;
                }
                connection.pong(bytes, offset, length);
                return;
            case PONG:
                engine.onPong(session);
                return;
            default:
                closeReceived(bytes, offset, length);
        }
    }

    private boolean overPingLimit()
    {
        final long now = engine.clock().nanoTime();
        if (now - pingWindowStart >= MINUTE_NANOS)
        {
            pingWindowStart = now;
            pingsInWindow = 0;
        }
        return ++pingsInWindow > PINGS_PER_MINUTE;
    }

    /** The client's Close: echoed (code only) unless ours went first, then the socket is closed. */
    private void closeReceived(final byte[] bytes, final int offset, final int length)
    {
        stop();
        if (length == 1)
        {
            connection.close(1002, "");
            return;
        }
        if (connection.isClosing())
        {
            connection.closeSocket();
            return;
        }
        final byte[] reply = length == 0
            ? new byte[] {(byte)0x88, 0}
            : new byte[] {(byte)0x88, 2, bytes[offset], bytes[offset + 1]};
        connection.sendClose(reply);
    }

    private void protocolError()
    {
        stop();
        connection.close(1002, "");
    }

    /** No more frames are read: the connection is closing. */
    private void stop()
    {
        stopped = true;
        carry = null;
        fragments = null;
        source.suspendReads();
    }

    /**
     * The connection is gone: no more frames are handled. Any thread (the one that closed the
     * socket); the buffers of a half-read frame go with the connection, so the IO thread is never
     * raced for them.
     */
    void release()
    {
        stopped = true;
    }
}
