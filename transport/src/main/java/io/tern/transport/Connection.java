package io.tern.transport;

import io.tern.engine.Engine;
import io.tern.engine.protocol.Frame;
import io.tern.engine.session.FrameSink;
import io.tern.engine.session.Outbound;
import io.tern.engine.session.Session;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.conduits.ConduitStreamSinkChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * One upgraded websocket, framed by Tern itself on the raw socket Undertow hands over after the
 * {@code 101}: the {@link FrameSink} the engine writes through, the write side of RFC 6455 and
 * the single place that reports the end of the connection ({@link Engine#onClosed}, exactly once,
 * whatever ended it). Reading belongs to the {@link FrameReader}.
 *
 * <p>Why not Undertow's {@code WebSocketChannel}: it builds a frame channel, a header and buffer
 * objects per message and queues each behind a lock, about 20 µs of CPU per delivered line.
 * Here a write is a copy of the engine's shared frame bytes (or of their permessage-deflate form,
 * computed once per frame for every compressed session) behind a 2–10 byte header into the
 * thread's direct buffer, then one non-blocking socket write for as many frames as are waiting.
 *
 * <p>Threads: frames are {@link #write queued} by one engine thread at a time (the session's
 * drainer) and written by whichever thread holds the {@code writing} flag: the drainer in
 * {@link #flush()}, or the IO thread when a full socket drains. A thread that finds the flag taken
 * leaves its work to the holder, which looks again after letting go; nothing blocks. Control
 * frames (Ping, Pong, Close) go out at frame boundaries; Close after every frame queued before it.
 */
final class Connection implements FrameSink, ChannelListener<StreamConnection>
{
    /** How long a Close frame may take to flush before the socket is closed anyway (gorilla's control write wait). */
    static final long CLOSE_FLUSH_MILLIS = 1000;

    private static final int TEXT = 0x81;
    private static final int DEFLATED_TEXT = 0xC1;
    private static final byte[] PING = {(byte)0x89, 0};
    private static final int RING = Outbound.MAX_IN_FLIGHT;
    private static final int RING_MASK = RING - 1;

    private static final AtomicIntegerFieldUpdater<Connection> WRITING =
        AtomicIntegerFieldUpdater.newUpdater(Connection.class, "writing");
    private static final AtomicIntegerFieldUpdater<Connection> CLOSING =
        AtomicIntegerFieldUpdater.newUpdater(Connection.class, "closing");
    private static final AtomicIntegerFieldUpdater<Connection> ENDED =
        AtomicIntegerFieldUpdater.newUpdater(Connection.class, "ended");
    private static final AtomicIntegerFieldUpdater<Connection> PING_WANTED =
        AtomicIntegerFieldUpdater.newUpdater(Connection.class, "pingWanted");
    private static final AtomicReferenceFieldUpdater<Connection, byte[]> PONG =
        AtomicReferenceFieldUpdater.newUpdater(Connection.class, byte[].class, "pong");

    private final Engine engine;
    private final StreamConnection stream;
    private final ConduitStreamSinkChannel sink;
    private final boolean deflate;
    private final Set<Connection> open;
    private final FrameReader reader;
    private final Frame[] ring = new Frame[RING];

    private volatile Session session;
    /** Next ring slot the drainer fills; written by the drainer only. */
    private volatile long tail;
    /** Next ring slot to write; written under {@code writing} only. */
    private long head;
    /** Bytes of the head frame (header included) already on the wire. */
    private int headOffset;
    /** The control frame being written, ahead of the data frames, and how much of it is out. */
    private byte[] control;
    private int controlOffset;
    private boolean controlIsClose;
    private volatile int writing;
    /** The socket took less than it was given; the IO thread resumes when it drains. */
    private volatile boolean blocked;
    private volatile int pingWanted;
    private volatile byte[] pong;
    private volatile byte[] closeFrame;
    private volatile boolean closeWritten;
    private volatile int closing;
    private volatile int ended;

    /**
     * @param engine  the engine.
     * @param stream  the upgraded socket.
     * @param deflate whether permessage-deflate was negotiated.
     * @param open    the open connections, this one is added now and removed at its end.
     */
    Connection(final Engine engine, final StreamConnection stream, final boolean deflate, final Set<Connection> open)
    {
        this.engine = engine;
        this.stream = stream;
        this.sink = stream.getSinkChannel();
        this.deflate = deflate;
        this.open = open;
        this.reader = new FrameReader(engine, this, stream.getSourceChannel(), deflate);
        open.add(this);
    }

    /**
     * Binds the session {@link Engine#openSession} created for this sink, starts watching for the
     * end of the connection and starts reading. IO thread, once, right after {@code openSession}.
     *
     * @param session the session.
     */
    void open(final Session session)
    {
        reader.attach(session);
        stream.setCloseListener(this);
        sink.getWriteSetter().set(channel ->
        {
            channel.suspendWrites();
            blocked = false;
            flush();
        });
        if (!stream.isOpen())
        {
            handleEvent(stream);
            return;
        }
        reader.start();
    }

    @Override
    public void attach(final Session session)
    {
        this.session = session;
    }

    @Override
    public void write(final Frame frame)
    {
        final long slot = tail;
        ring[(int)(slot & RING_MASK)] = frame;
        tail = slot + 1;
    }

    @Override
    public void flush()
    {
        while (WRITING.compareAndSet(this, 0, 1))
        {
            try
            {
                writeOut();
            }
            finally
            {
                writing = 0;
            }
            if (!needsWriter())
            {
                return;
            }
        }
    }

    /** Whether there is work a writer can do now; checked after letting go of the flag, so none is stranded. */
    private boolean needsWriter()
    {
        if (ended != 0)
        {
            return head != tail;
        }
        if (blocked || closeWritten)
        {
            return false;
        }
        return head != tail || control != null || pingWanted != 0 || pong != null || closeFrame != null && !controlIsClose;
    }

    /** Writer only: writes until nothing is left or the socket is full. */
    private void writeOut()
    {
        if (ended != 0 || closeWritten)
        {
            failPending();
            return;
        }
        final ThreadBuffers buffers = ThreadBuffers.get();
        final ByteBuffer out = buffers.write;
        while (!blocked)
        {
            out.clear();
            final long last = fill(out, buffers);
            out.flip();
            if (!out.hasRemaining())
            {
                return;
            }
            final int written;
            try
            {
                written = sink.write(out);
            }
            catch (final IOException ex)
            {
                IoUtils.safeClose(stream);
                failPending();
                return;
            }
            final boolean full = out.hasRemaining();
            final int completed = consume(written, last, buffers);
            if (closeWritten)
            {
                IoUtils.safeClose(stream);
                report(completed, true);
                failPending();
                return;
            }
            if (full)
            {
                blocked = true;
                sink.resumeWrites();
            }
            report(completed, true);
        }
    }

    /**
     * Copies what is due into {@code out}: the control frame being written (a new one is taken
     * only at a frame boundary), then data frames from the head on, as many as fit.
     *
     * @return the ring position after the last data frame copied (partly or whole).
     */
    private long fill(final ByteBuffer out, final ThreadBuffers buffers)
    {
        if (control == null && headOffset == 0)
        {
            takeControl();
        }
        if (control != null)
        {
            out.put(control, controlOffset, control.length - controlOffset);
            if (controlIsClose)
            {
                return head;
            }
        }
        final long end = tail;
        long position = head;
        int offset = headOffset;
        while (position != end && out.hasRemaining())
        {
            copy(ring[(int)(position & RING_MASK)], offset, out, buffers);
            offset = 0;
            position++;
        }
        return position;
    }

    /** Takes the next control frame due: a Pong, a Ping, or the Close once every data frame is out. */
    private void takeControl()
    {
        final byte[] pongFrame = PONG.getAndSet(this, null);
        if (pongFrame != null)
        {
            control = pongFrame;
        }
        else if (pingWanted != 0 && PING_WANTED.compareAndSet(this, 1, 0))
        {
            control = PING;
        }
        else if (closeFrame != null && head == tail)
        {
            control = closeFrame;
            controlIsClose = true;
        }
        controlOffset = 0;
    }

    /** Copies a data frame's wire bytes from {@code offset} on, as many as fit. */
    private void copy(final Frame frame, final int offset, final ByteBuffer out, final ThreadBuffers buffers)
    {
        final byte[] payload;
        final int length;
        if (deflate)
        {
            length = frame.deflate(buffers.deflater);
            payload = frame.deflatedBytes();
        }
        else
        {
            length = frame.length();
            payload = frame.bytes();
        }
        final int headerLength = headerLength(length);
        int from = offset;
        if (from < headerLength)
        {
            final int first = deflate ? DEFLATED_TEXT : TEXT;
            for (int i = from; i < headerLength && out.hasRemaining(); i++)
            {
                out.put(headerByte(first, length, headerLength, i));
            }
            from = headerLength;
            if (!out.hasRemaining())
            {
                return;
            }
        }
        final int start = from - headerLength;
        out.put(payload, start, Math.min(length - start, out.remaining()));
    }

    private static int headerLength(final int payloadLength)
    {
        return payloadLength < 126 ? 2 : payloadLength <= 0xFFFF ? 4 : 10;
    }

    private static byte headerByte(final int first, final int length, final int headerLength, final int index)
    {
        if (index == 0)
        {
            return (byte)first;
        }
        if (headerLength == 2)
        {
            return (byte)length;
        }
        if (index == 1)
        {
            return (byte)(headerLength == 4 ? 126 : 127);
        }
        final int shift = 8 * (headerLength - 1 - index);
        return shift >= 32 ? 0 : (byte)(length >>> shift);
    }

    private int wireLength(final Frame frame, final ThreadBuffers buffers)
    {
        final int length = deflate ? frame.deflate(buffers.deflater) : frame.length();
        return headerLength(length) + length;
    }

    /**
     * Accounts for {@code written} bytes of what {@link #fill} copied: the control frame first,
     * then data frames from the head up to {@code last}.
     *
     * @return how many data frames are now completely written.
     */
    private int consume(final int written, final long last, final ThreadBuffers buffers)
    {
        int left = written;
        if (control != null)
        {
            final int take = Math.min(left, control.length - controlOffset);
            controlOffset += take;
            left -= take;
            if (controlOffset == control.length)
            {
                if (controlIsClose)
                {
                    closeWritten = true;
                }
                control = null;
                controlIsClose = false;
            }
            else
            {
                return 0;
            }
        }
        int completed = 0;
        while (left > 0 && head != last)
        {
            final int slot = (int)(head & RING_MASK);
            final int remaining = wireLength(ring[slot], buffers) - headOffset;
            if (left < remaining)
            {
                headOffset += left;
                break;
            }
            left -= remaining;
            headOffset = 0;
            completed++;
            head++;
        }
        return completed;
    }

    /** Reports the {@code count} frames just before the head as written (or failed), oldest first. */
    private void report(final int count, final boolean success)
    {
        final Session owner = session;
        for (long position = head - count; position != head; position++)
        {
            ring[(int)(position & RING_MASK)] = null;
            owner.onFrameWritten(success);
        }
    }

    /** Writer only: the connection is gone; every frame not yet written is reported failed. */
    private void failPending()
    {
        int count = 0;
        while (head != tail)
        {
            head++;
            count++;
        }
        headOffset = 0;
        report(count, false);
    }

    @Override
    public void ping()
    {
        pingWanted = 1;
        flush();
    }

    /**
     * Answers a Ping with its payload; only the newest unanswered one is answered (RFC 6455 §5.5.3).
     * IO thread.
     *
     * @param payload the Ping's payload (at most 125 bytes).
     * @param offset  where it starts.
     * @param length  its length.
     */
    void pong(final byte[] payload, final int offset, final int length)
    {
        final byte[] frame = new byte[2 + length];
        frame[0] = (byte)0x8A;
        frame[1] = (byte)length;
        System.arraycopy(payload, offset, frame, 2, length);
        pong = frame;
        flush();
    }

    @Override
    public void close(final int code, final String reason)
    {
        final byte[] utf8 = reason.getBytes(StandardCharsets.UTF_8);
        final int reasonLength = Math.min(utf8.length, 123);
        final byte[] frame = new byte[4 + reasonLength];
        frame[0] = (byte)0x88;
        frame[1] = (byte)(2 + reasonLength);
        frame[2] = (byte)(code >>> 8);
        frame[3] = (byte)code;
        System.arraycopy(utf8, 0, frame, 4, reasonLength);
        sendClose(frame);
    }

    /**
     * Sends a Close frame (after the frames queued before it) and closes the socket once it is
     * written, or after {@link #CLOSE_FLUSH_MILLIS} if the peer does not read it: a stalled client
     * cannot keep it open. Idempotent: only the first Close is sent. Any thread.
     *
     * @param frame the whole Close frame.
     */
    void sendClose(final byte[] frame)
    {
        if (!CLOSING.compareAndSet(this, 0, 1) || !stream.isOpen())
        {
            return;
        }
        closeFrame = frame;
        flush();
        closeSocketSoon();
    }

    /**
     * @return true once a Close frame was queued for sending.
     */
    boolean isClosing()
    {
        return closing != 0;
    }

    /**
     * Ends the connection at once, without a Close frame (a read error or the peer's end of stream).
     */
    void abort()
    {
        CLOSING.set(this, 1);
        IoUtils.safeClose(stream);
    }

    /**
     * Closes the socket now; the close listener reports the end. Any thread.
     */
    void closeSocket()
    {
        IoUtils.safeClose(stream);
    }

    private void closeSocketSoon()
    {
        try
        {
            stream.getIoThread().executeAfter(this::closeSocket, CLOSE_FLUSH_MILLIS, TimeUnit.MILLISECONDS);
        }
        catch (final RejectedExecutionException ex)
        {
            closeSocket();
        }
    }

    /**
     * Close listener of the socket: the connection is gone. Once.
     *
     * @param closed the socket.
     */
    @Override
    public void handleEvent(final StreamConnection closed)
    {
        if (!ENDED.compareAndSet(this, 0, 1))
        {
            return;
        }
        open.remove(this);
        flush();
        reader.release();
        engine.onClosed(session);
    }
}
