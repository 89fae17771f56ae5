package io.tern.engine.session;

import io.tern.engine.protocol.Frame;
import io.tern.engine.protocol.FrameKind;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
 *
 * <p>Threads and cost: producers (fan-out agents, the inbound handler) on any thread; completions
 * ({@link #onFrameWritten(boolean)}) on any thread but one at a time, in write order, as
 * {@link FrameSink} requires. A producer that finds the queue empty, nothing in flight beyond the
 * window and nothing pending takes the drainer flag and hands the frame straight to the sink,
 * without the MPSC queue. Every counter has a single writer (the flag holder, the completer, or
 * the queueing producers for {@code queuedInBytes}), so the common delivery costs the flag's
 * acquire and release plus the frame's release; a completion the transport reports inside the
 * drainer's own write or flush (a writable socket) skips the wake-up check, since the drainer
 * looks again before it lets go of the flag.
 */
public final class Outbound
{
    /** Frames handed to the transport and not yet written; more than one, so writes can batch. */
    public static final int MAX_IN_FLIGHT = 64;
    private static final int IN_FLIGHT_MASK = MAX_IN_FLIGHT - 1;

    private static final VarHandle DRAINING;
    private static final VarHandle SUBMITTED;
    private static final VarHandle COMPLETED;
    private static final VarHandle DRAINER_BYTES;
    private static final VarHandle RELEASED_BYTES;
    private static final VarHandle QUEUED_IN_BYTES;
    private static final VarHandle LAST_PROGRESS;
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Frame[].class);

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            DRAINING = lookup.findVarHandle(Outbound.class, "draining", int.class);
            SUBMITTED = lookup.findVarHandle(Outbound.class, "submitted", long.class);
            COMPLETED = lookup.findVarHandle(Outbound.class, "completed", long.class);
            DRAINER_BYTES = lookup.findVarHandle(Outbound.class, "drainerBytes", long.class);
            RELEASED_BYTES = lookup.findVarHandle(Outbound.class, "releasedBytes", long.class);
            QUEUED_IN_BYTES = lookup.findVarHandle(Outbound.class, "queuedInBytes", long.class);
            LAST_PROGRESS = lookup.findVarHandle(Outbound.class, "lastProgressNanos", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final ManyToOneConcurrentArrayQueue<Frame> queue;
    /** Frames handed to the transport, by write sequence; set by the drainer, emptied by the completer. */
    private final Frame[] inFlight = new Frame[MAX_IN_FLIGHT];
    private final AtomicLong missedLines = new AtomicLong();
    private final AtomicReference<Frame> pendingStats = new AtomicReference<>();
    private final FrameSink sink;
    private final NanoClock clock;
    private final long budgetBytes;
    private final int droppableFrames;
    private final LongFunction<Frame> missedNotice;
    private final Runnable onOverflow;
    private AtomicLong droppedCounter;

    /** 1 while a thread drains; taken with a CAS, let go with a volatile store. */
    private volatile int draining;
    /** The thread holding {@code draining}, so a completion reported inside its own write is recognised. */
    private Thread drainer;
    /** Frames handed to the sink; written by the flag holder only. */
    private volatile long submitted;
    /** Frames reported written; written by the completer only. */
    private volatile long completed;
    /** Bytes accepted by the flag holder (direct hand-offs, pending stats, notices) minus closed-queue releases. */
    private volatile long drainerBytes;
    /** Bytes of completed frames; written by the completer only. */
    private volatile long releasedBytes;
    /** Bytes queued through the MPSC queue by producers that did not hold the flag. */
    private volatile long queuedInBytes;
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
        final long queued = queuedBytes();
        if (kind != FrameKind.ESSENTIAL && (queued + length > budgetBytes || queue.size() >= droppableFrames))
        {
            return overBudget(frame, kind);
        }
        if (DRAINING.compareAndSet(this, 0, 1))
        {
            drainer = Thread.currentThread();
            if (canHandOver())
            {
                if (queued == 0)
                {
                    LAST_PROGRESS.setRelease(this, clock.nanoTime());
                }
                DRAINER_BYTES.setRelease(this, drainerBytes + length);
                submit(frame);
                sink.flush();
                letGo();
                return true;
            }
            letGo();
        }
        if ((long)QUEUED_IN_BYTES.getAndAdd(this, length) + queued == 0)
        {
            LAST_PROGRESS.setRelease(this, clock.nanoTime());
        }
        if (!queue.offer(frame))
        {
            QUEUED_IN_BYTES.getAndAdd(this, -length);
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

    /**
     * Flag holder only: whether a new frame may skip the queue, i.e. nothing queued, pending or
     * closing could have to go before it and the window has room.
     */
    private boolean canHandOver()
    {
        return !closed && closeCode == 0 && queue.peek() == null && pendingStats.get() == null
            && missedLines.get() == 0 && submitted - completed < MAX_IN_FLIGHT;
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
     * failed), in the order the frames were handed over and one call at a time. Any thread.
     *
     * @param success false when the write failed; the session is then treated as closed.
     */
    public void onFrameWritten(final boolean success)
    {
        // The slot is emptied before the window advances, so the drainer never reuses a slot
        // whose completion is still being processed.
        final long sequence = completed;
        final int slot = (int)(sequence & IN_FLIGHT_MASK);
        final Frame done = (Frame)SLOTS.getAcquire(inFlight, slot);
        if (done != null)
        {
            SLOTS.setRelease(inFlight, slot, null);
            RELEASED_BYTES.setRelease(this, releasedBytes + done.length());
            done.release();
        }
        LAST_PROGRESS.setRelease(this, clock.nanoTime());
        if (!success)
        {
            closed = true;
        }
        COMPLETED.setRelease(this, sequence + 1);
        if (drainer == Thread.currentThread())
        {
            return;
        }
        // Pairs with the drainer's volatile release of the flag: either it sees this completion
        // or this thread sees the work it left.
        VarHandle.fullFence();
        if (hasWork())
        {
            drain();
        }
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
        while (DRAINING.compareAndSet(this, 0, 1))
        {
            drainer = Thread.currentThread();
            try
            {
                boolean wrote = false;
                while (!closed && submitted - completed < MAX_IN_FLIGHT)
                {
                    final Frame next = nextFrame();
                    if (next == null)
                    {
                        break;
                    }
                    submit(next);
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
                else if (closeCode != 0 && closeSent == 0 && queue.peek() == null && submitted == completed)
                {
                    closeSent = 1;
                    sink.close(closeCode, closeReason);
                }
            }
            finally
            {
                drainer = null;
                draining = 0;
            }
            if (!hasWork())
            {
                return;
            }
        }
    }

    /** Flag holder: lets go of the flag and drains again if work arrived meanwhile. */
    private void letGo()
    {
        drainer = null;
        draining = 0;
        if (hasWork())
        {
            drain();
        }
    }

    /** Flag holder: hands one frame to the transport. The slot is published before the sink sees the frame. */
    private void submit(final Frame frame)
    {
        final long sequence = submitted;
        SLOTS.setRelease(inFlight, (int)(sequence & IN_FLIGHT_MASK), frame);
        SUBMITTED.setRelease(this, sequence + 1);
        sink.write(frame);
    }

    /** Whether a drainer is needed now; checked after letting go of the flag, so no work is stranded. */
    private boolean hasWork()
    {
        if (closed)
        {
            return queue.peek() != null || pendingStats.get() != null;
        }
        final long unwritten = submitted - completed;
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
            QUEUED_IN_BYTES.getAndAdd(this, (long)-frame.length());
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
        if (next != null || submitted != completed)
        {
            return next;
        }
        next = pendingStats.getAndSet(null);
        if (next != null)
        {
            DRAINER_BYTES.setRelease(this, drainerBytes + next.length());
            return next;
        }
        final long missed = missedLines.getAndSet(0);
        if (missed > 0)
        {
            totalDroppedLines += missed;
            next = missedNotice.apply(missed);
            DRAINER_BYTES.setRelease(this, drainerBytes + next.length());
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
        return queuedBytes() > 0 && nowNanos - lastProgressNanos > timeoutNanos;
    }

    /**
     * @return bytes queued or in flight. Completed bytes are read first: every frame they count
     * was accepted before, so the result is never negative.
     */
    public long queuedBytes()
    {
        final long released = releasedBytes;
        return drainerBytes + queuedInBytes - released;
    }

    /**
     * @return lines dropped and not yet reported plus lines already reported, for metrics.
     */
    public long droppedLines()
    {
        return totalDroppedLines + missedLines.get();
    }
}
