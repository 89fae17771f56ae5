package io.tern.transport;

import io.tern.engine.Engine;
import io.tern.engine.protocol.Frame;
import io.tern.engine.session.FrameSink;
import io.tern.engine.session.Session;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.XnioIoThread;

import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One upgraded websocket as the engine sees it: the {@link FrameSink} the engine writes through,
 * and the single place that reports the end of the connection ({@link Engine#onClosed}, exactly
 * once, whatever ended it: a Close from either side, an error, or the peer vanishing).
 *
 * <p>Threads: {@link #write}, {@link #ping} and {@link #close} are called by engine threads; the
 * Undertow send calls they make are safe from any thread and never block. The write and close
 * callbacks run on whichever thread completes the flush. Reading belongs to the IO thread, see
 * {@link MessageReader}.
 */
final class Connection implements FrameSink, WebSocketCallback<Void>, ChannelListener<WebSocketChannel>
{
    /** How long a Close frame may take to flush before the socket is closed anyway (gorilla's control write wait). */
    static final long CLOSE_FLUSH_MILLIS = 1000;

    /** Closes the socket once a Close frame is flushed (or failed): the server does not wait for the peer's reply. */
    static final WebSocketCallback<Void> CLOSE_WHEN_FLUSHED = new WebSocketCallback<>()
    {
        @Override
        public void complete(final WebSocketChannel channel, final Void context)
        {
            IoUtils.safeClose(channel);
        }

        @Override
        public void onError(final WebSocketChannel channel, final Void context, final Throwable throwable)
        {
            IoUtils.safeClose(channel);
        }
    };


    private static final AtomicIntegerFieldUpdater<Connection> WRITE_PENDING =
        AtomicIntegerFieldUpdater.newUpdater(Connection.class, "writePending");
    private static final AtomicIntegerFieldUpdater<Connection> CLOSING =
        AtomicIntegerFieldUpdater.newUpdater(Connection.class, "closing");
    private static final AtomicIntegerFieldUpdater<Connection> ENDED =
        AtomicIntegerFieldUpdater.newUpdater(Connection.class, "ended");

    private final Engine engine;
    private final WebSocketChannel channel;
    private final MessageReader reader;

    private volatile Session session;
    private volatile int writePending;
    private volatile int closing;
    private volatile int ended;

    /**
     * @param engine     the engine.
     * @param channel    the upgraded websocket.
     * @param bufferSize the pooled buffer size, for the reader.
     */
    Connection(final Engine engine, final WebSocketChannel channel, final int bufferSize)
    {
        this.engine = engine;
        this.channel = channel;
        this.reader = new MessageReader(engine, this, channel, bufferSize);
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
        channel.addCloseTask(this);
        if (!channel.isOpen())
        {
            handleEvent(channel);
            return;
        }
        channel.getReceiveSetter().set(new InboundListener(engine, session, this, reader));
        channel.resumeReceives();
    }

    @Override
    public void attach(final Session session)
    {
        this.session = session;
    }

    @Override
    public void write(final Frame frame)
    {
        WRITE_PENDING.incrementAndGet(this);
        try
        {
            WebSockets.sendText(ByteBuffer.wrap(frame.bytes(), 0, frame.length()), channel, this);
        }
        catch (final RuntimeException ex)
        {
            writeDone(false);
        }
    }

    @Override
    public void complete(final WebSocketChannel channel, final Void context)
    {
        writeDone(true);
    }

    @Override
    public void onError(final WebSocketChannel channel, final Void context, final Throwable throwable)
    {
        writeDone(false);
    }

    /**
     * Reports the oldest unreported write, in order. Undertow completes a channel's frames in the
     * order they were sent; when the connection ends, the close task reports every write still
     * pending as failed, and Undertow callbacks arriving after that find nothing left to report.
     */
    private void writeDone(final boolean success)
    {
        int pending;
        do
        {
            pending = writePending;
            if (pending <= 0)
            {
                return;
            }
        }
        while (!WRITE_PENDING.compareAndSet(this, pending, pending - 1));
        session.onFrameWritten(success);
    }

    @Override
    public void ping()
    {
        WebSockets.sendPing(ByteBuffer.allocate(0), channel, null);
    }

    @Override
    public void close(final int code, final String reason)
    {
        if (!CLOSING.compareAndSet(this, 0, 1) || !channel.isOpen())
        {
            return;
        }
        if (!channel.isCloseFrameSent())
        {
            WebSockets.sendClose(code, reason, channel, CLOSE_WHEN_FLUSHED);
        }
        closeSocketSoon();
    }

    /**
     * Ends the connection after a read error. When Undertow has already queued its own Close
     * (1002 for a protocol error, 1007 for text that is not UTF-8) it gets the flush time to go
     * out; otherwise the socket is closed at once.
     */
    void abort()
    {
        CLOSING.set(this, 1);
        if (channel.isCloseFrameSent())
        {
            closeSocketSoon();
        }
        else
        {
            IoUtils.safeClose(channel);
        }
    }

    /**
     * The socket is closed when the Close frame is flushed ({@link #CLOSE_WHEN_FLUSHED}), or after
     * {@link #CLOSE_FLUSH_MILLIS} if the peer does not read it: a stalled client cannot keep it open.
     */
    private void closeSocketSoon()
    {
        try
        {
            channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel), CLOSE_FLUSH_MILLIS, TimeUnit.MILLISECONDS);
        }
        catch (final RejectedExecutionException ex)
        {
            IoUtils.safeClose(channel);
        }
    }

    /**
     * Close task of the channel: the connection is gone. Any thread.
     *
     * @param closed the channel.
     */
    @Override
    public void handleEvent(final WebSocketChannel closed)
    {
        if (!ENDED.compareAndSet(this, 0, 1))
        {
            return;
        }
        while (writePending > 0)
        {
            writeDone(false);
        }
        engine.onClosed(session);
        final XnioIoThread ioThread = channel.getIoThread();
        if (Thread.currentThread() == ioThread)
        {
            reader.release();
            return;
        }
        try
        {
            ioThread.execute(reader::release);
        }
        catch (final RejectedExecutionException ex)
        {
            // The IO thread is gone (server stopped); its buffer pool goes with it.
        }
    }
}
