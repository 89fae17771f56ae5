package io.tern.engine.session;

import io.tern.engine.protocol.Frame;
import io.tern.engine.protocol.FrameKind;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongFunction;

/**
 * One session's bounded outbound queue (Part I.3 item 5). Producers on any thread
 * {@link #offer(Frame)} frames they hold a reference for; one drainer at a time hands them to the
 * transport in queue order (up to {@link #MAX_IN_FLIGHT} unwritten, so the transport can flush
 * many per write), so frames reach the socket in the order they were queued.
 *
 * <p>Past {@code budgetBytes} queued: {@link FrameKind#LINE} frames are dropped and counted,
 * {@link FrameKind#STATS} keeps only the newest, {@link FrameKind#ESSENTIAL} frames are always
 * queued: the last eighth of the queue is kept for them, and a queue full of essentials means the
 * client is gone, so it is closed with 1013. When
 * the queue drains after drops, one notice frame tells the client how many lines it missed.
 */
public final class Outbound
{
    private final ManyToOneConcurrentArrayQueue<Frame> queue;
    /** Frames handed to the transport and not yet written; more than one, so writes can batch. */
    public static final int MAX_IN_FLIGHT = 64;
    private static final int IN_FLIGHT_MASK = MAX_IN_FLIGHT - 1;

    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicReferenceArray<Frame> inFlight = new AtomicReferenceArray<>(MAX_IN_FLIGHT);
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private volatile long submitted;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong missedLines = new AtomicLong();
    private final AtomicReference<Frame> pendingStats = new AtomicReference<>();
    private final FrameSink sink;
    private final NanoClock clock;
    private final long budgetBytes;
    private final int droppableFrames;
    private final LongFunction<Frame> missedNotice;
    private final Runnable onOverflow;
    private AtomicLong droppedCounter;
    private volatile long lastProgressNanos;
    private volatile int closeCode;
    private volatile String closeReason;
    private volatile int closeSent;
    private volatile boolean closed;
    private long totalDroppedLines;

    /**
     * @param sink         the transport's writer.
     * @param clock        for write-progress timestamps; a coarse (cached) clock is enough.
     * @param budgetBytes  queued bytes past which lines are dropped.
     * @param queueFrames  queue capacity in frames.
     * @param missedNotice builds the notice frame for a count of missed lines (reference held by the caller).
     * @param onOverflow   called when essential frames cannot be queued; closes the session.
     */
    public Outbound(
        final FrameSink sink,
        final NanoClock clock,
        final long budgetBytes,
        final int queueFrames,
        final LongFunction<Frame> missedNotice,
        final Runnable onOverflow)
    {
        this.sink = sink;
        this.clock = clock;
        this.budgetBytes = budgetBytes;
        this.queue = new ManyToOneConcurrentArrayQueue<>(queueFrames);
        this.droppableFrames = queueFrames - Math.max(1, queueFrames / 8);
        this.missedNotice = missedNotice;
        this.onOverflow = onOverflow;
        this.lastProgressNanos = clock.nanoTime();
    }

    /**
     * @param counter a node-wide count of dropped lines to add to.
     */
    public void countDropsIn(final AtomicLong counter)
    {
        this.droppedCounter = counter;
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
        if (kind != FrameKind.ESSENTIAL && (queuedBytes.get() + length > budgetBytes || queue.size() >= droppableFrames))
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
        if (droppedCounter != null)
        {
            droppedCounter.incrementAndGet();
        }
        frame.release();
        drain();
        return false;
    }

    /**
     * Called by the transport when a frame handed to {@link FrameSink#write(Frame)} is written (or
     * failed), in the order the frames were handed over. Any thread.
     *
     * @param success false when the write failed; the session is then treated as closed.
     */
    public void onFrameWritten(final boolean success)
    {
        // The slot is emptied before the window advances, so the drainer never reuses a slot
        // whose completion is still being processed.
        final long sequence = acknowledged.getAndIncrement();
        final Frame done = inFlight.getAndSet((int)(sequence & IN_FLIGHT_MASK), null);
        if (done != null)
        {
            queuedBytes.getAndAdd(-done.length());
            done.release();
        }
        lastProgressNanos = clock.nanoTime();
        completed.incrementAndGet();
        if (!success)
        {
            closed = true;
        }
        drain();
    }

    /**
     * The only place that takes frames out of the queue, hands them to the transport (up to
     * {@link #MAX_IN_FLIGHT} unwritten, so the transport can flush many per write), sends the
     * pending close, and releases what a closed session still holds. One drainer at a time (the
     * {@code draining} flag); a producer or completion that finds it busy leaves the work to it,
     * and the drainer looks again after letting go of the flag.
     */
    private void drain()
    {
        while (draining.compareAndSet(false, true))
        {
            try
            {
                boolean wrote = false;
                while (!closed && submitted - completed.get() < MAX_IN_FLIGHT)
                {
                    final Frame next = nextFrame();
                    if (next == null)
                    {
                        break;
                    }
                    inFlight.set((int)(submitted & IN_FLIGHT_MASK), next);
                    submitted++;
                    sink.write(next);
                    wrote = true;
                }
                if (wrote)
                {
                    sink.flush();
                }
                if (closed)
                {
                    releaseQueued();
                }
                else if (closeCode != 0 && closeSent == 0 && queue.peek() == null && submitted == completed.get())
                {
                    closeSent = 1;
                    sink.close(closeCode, closeReason);
                }
            }
            finally
            {
                draining.set(false);
            }
            if (!hasWork())
            {
                return;
            }
        }
    }

    /** Whether a drainer is needed now; checked after letting go of the flag, so no work is stranded. */
    private boolean hasWork()
    {
        if (closed)
        {
            return queue.peek() != null || pendingStats.get() != null;
        }
        final long unwritten = submitted - completed.get();
        if (queue.peek() != null)
        {
            return unwritten < MAX_IN_FLIGHT;
        }
        return unwritten == 0 && (pendingStats.get() != null || missedLines.get() > 0 || closeCode != 0 && closeSent == 0);
    }

    /** Drainer only: gives back what a closed session still queues (in-flight frames come back through completions). */
    private void releaseQueued()
    {
        Frame frame;
        while ((frame = queue.poll()) != null)
        {
            queuedBytes.getAndAdd(-frame.length());
            frame.release();
        }
        final Frame stats = pendingStats.getAndSet(null);
        if (stats != null)
        {
            stats.release();
        }
    }

    private Frame nextFrame()
    {
        Frame next = queue.poll();
        if (next != null || submitted != completed.get())
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
     * Closes the connection with {@code code} once every frame queued so far is written, so a
     * final frame (e.g. {@code deleted}) reaches the client before the Close frame. Any thread.
     *
     * @param code   close code.
     * @param reason close reason.
     */
    public void closeWhenDrained(final int code, final String reason)
    {
        closeReason = reason;
        closeCode = code;
        drain();
    }

    /**
     * Releases everything queued and stops writing. Idempotent, any thread.
     */
    public void close()
    {
        closed = true;
        drain();
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
