package io.tern.engine.protocol;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * Recycles {@link Frame}s so steady-state encoding allocates nothing. One pool per encoding
 * thread: only the owner {@link #acquire(int)}s, any thread may {@link Frame#release()} (IO threads
 * release after a write). Frames whose array grew beyond {@link #MAX_POOLED_CAPACITY} are
 * not kept, so one huge console line does not pin memory.
 */
public final class FramePool
{
    /** Largest backing array kept in the pool. */
    public static final int MAX_POOLED_CAPACITY = 8 * 1024;
    private static final int INITIAL_CAPACITY = 256;

    private final ManyToOneConcurrentArrayQueue<Frame> free;

    /**
     * @param capacity how many free frames to keep at most.
     */
    public FramePool(final int capacity)
    {
        this.free = new ManyToOneConcurrentArrayQueue<>(capacity);
    }

    /**
     * Takes a frame with room for at least {@code minCapacity} bytes and one reference held by the caller.
     * Owner thread only.
     *
     * @param minCapacity bytes needed.
     * @param kind        the frame's {@link FrameKind}.
     * @return an empty frame.
     */
    public Frame acquire(final int minCapacity, final int kind)
    {
        Frame frame = free.poll();
        if (frame == null)
        {
            frame = new Frame(this, Math.max(INITIAL_CAPACITY, minCapacity));
        }
        else if (frame.bytes.length < minCapacity)
        {
            frame.bytes = new byte[minCapacity];
        }
        frame.length = 0;
        frame.kind = kind;
        frame.resetRefs(1);
        return frame;
    }

    void recycle(final Frame frame)
    {
        if (frame.bytes.length <= MAX_POOLED_CAPACITY)
        {
            free.offer(frame);
        }
    }

    /**
     * Builds an immutable frame that is never pooled, for constant messages.
     *
     * @param bytes the frame bytes.
     * @param kind  its {@link FrameKind}.
     * @return the frame.
     */
    public static Frame constant(final byte[] bytes, final int kind)
    {
        return new Frame(bytes, kind);
    }
}
