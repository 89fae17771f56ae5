package io.tern.engine.session;

import io.tern.engine.protocol.Frame;
import io.tern.engine.protocol.FrameKind;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;

/**
 * One session's bounded outbound queue (Part I.3 item 5). Producers on any thread
 * {@link #offer(Frame)} frames they hold a reference for; at most one frame is in flight to the
 * transport at a time, so frames reach the socket in the order they were queued.
 *
 * <p>Past {@code budgetBytes} queued: {@link FrameKind#LINE} frames are dropped and counted,
 * {@link FrameKind#STATS} keeps only the newest, {@link FrameKind#ESSENTIAL} frames are always
 * queued (a queue full of essentials means the client is gone; it is closed with 1013). When
 * the queue drains after drops, one notice frame tells the client how many lines it missed.
 */
public final class Outbound
{
    private final ManyToOneConcurrentArrayQueue<Frame> queue;
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong missedLines = new AtomicLong();
    private final AtomicReference<Frame> pendingStats = new AtomicReference<>();
    private final FrameSink sink;
    private final EpochNanoClock clock;
    private final long budgetBytes;
    private final LongFunction<Frame> missedNotice;
    private final Runnable onOverflow;
    private volatile Thread writerThread;
    private volatile long lastProgressNanos;
    private volatile boolean closed;
    private Frame current;
    private long totalDroppedLines;

    /**
     * @param sink         the transport's writer.
     * @param clock        for write-progress timestamps.
     * @param budgetBytes  queued bytes past which lines are dropped.
     * @param queueFrames  queue capacity in frames.
     * @param missedNotice builds the notice frame for a count of missed lines (reference held by the caller).
     * @param onOverflow   called when essential frames cannot be queued; closes the session.
     */
    public Outbound(
        final FrameSink sink,
        final EpochNanoClock clock,
        final long budgetBytes,
        final int queueFrames,
        final LongFunction<Frame> missedNotice,
        final Runnable onOverflow)
    {
        this.sink = sink;
        this.clock = clock;
        this.budgetBytes = budgetBytes;
        this.queue = new ManyToOneConcurrentArrayQueue<>(queueFrames);
        this.missedNotice = missedNotice;
        this.onOverflow = onOverflow;
        this.lastProgressNanos = clock.nanoTime();
    }

    /**
     * Queues a frame the caller holds one reference for; the reference passes to this queue.
     * Any thread; never blocks.
     *
     * @param frame the frame.
     * @return false when the frame was dropped (slow client or closed session).
     */
    public boolean offer(final Frame frame)
    {
        if (closed)
        {
            frame.release();
            return false;
        }
        final int kind = frame.kind();
        final long length = frame.length();
        if (kind != FrameKind.ESSENTIAL && queuedBytes.get() + length > budgetBytes)
        {
            return overBudget(frame, kind);
        }
        if (queuedBytes.getAndAdd(length) == 0)
        {
            lastProgressNanos = clock.nanoTime();
        }
        if (!queue.offer(frame))
        {
            queuedBytes.getAndAdd(-length);
            if (kind == FrameKind.ESSENTIAL)
            {
                frame.release();
                onOverflow.run();
                return false;
            }
            return overBudget(frame, kind);
        }
        drain();
        return true;
    }

    private boolean overBudget(final Frame frame, final int kind)
    {
        if (kind == FrameKind.STATS)
        {
            final Frame previous = pendingStats.getAndSet(frame);
            if (previous != null)
            {
                previous.release();
            }
            drain();
            return true;
        }
        missedLines.incrementAndGet();
        frame.release();
        return false;
    }

    /**
     * Called by the transport when the frame handed to {@link FrameSink#write(Frame)} is written
     * (or failed). Any thread.
     *
     * @param success false when the write failed; the session is then treated as closed.
     */
    public void onFrameWritten(final boolean success)
    {
        final Frame done = current;
        current = null;
        if (done != null)
        {
            queuedBytes.getAndAdd(-done.length());
            done.release();
        }
        lastProgressNanos = clock.nanoTime();
        if (!success)
        {
            close();
        }
        inFlight.set(false);
        if (writerThread != Thread.currentThread())
        {
            drain();
        }
    }

    private void drain()
    {
        while (!closed && inFlight.compareAndSet(false, true))
        {
            final Frame next = nextFrame();
            if (next == null)
            {
                inFlight.set(false);
                if (queue.isEmpty() && pendingStats.get() == null)
                {
                    return;
                }
                continue;
            }
            current = next;
            writerThread = Thread.currentThread();
            try
            {
                sink.write(next);
            }
            finally
            {
                writerThread = null;
            }
        }
    }

    private Frame nextFrame()
    {
        Frame next = queue.poll();
        if (next != null)
        {
            return next;
        }
        next = pendingStats.getAndSet(null);
        if (next != null)
        {
            queuedBytes.getAndAdd(next.length());
            return next;
        }
        final long missed = missedLines.getAndSet(0);
        if (missed > 0)
        {
            totalDroppedLines += missed;
            next = missedNotice.apply(missed);
            queuedBytes.getAndAdd(next.length());
            return next;
        }
        return null;
    }

    /**
     * Releases everything queued and stops writing. Idempotent, any thread.
     */
    public void close()
    {
        closed = true;
        Frame frame;
        while ((frame = queue.poll()) != null)
        {
            frame.release();
        }
        final Frame stats = pendingStats.getAndSet(null);
        if (stats != null)
        {
            stats.release();
        }
    }

    /**
     * @return true when frames have been waiting and nothing was written since {@code nowNanos - timeoutNanos}.
     * @param nowNanos     current time.
     * @param timeoutNanos the write timeout.
     */
    public boolean isStalled(final long nowNanos, final long timeoutNanos)
    {
        return queuedBytes.get() > 0 && nowNanos - lastProgressNanos > timeoutNanos;
    }

    /**
     * @return bytes queued or in flight.
     */
    public long queuedBytes()
    {
        return queuedBytes.get();
    }

    /**
     * @return lines dropped and not yet reported plus lines already reported, for metrics.
     */
    public long droppedLines()
    {
        return totalDroppedLines + missedLines.get();
    }
}
