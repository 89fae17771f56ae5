package io.tern.engine.protocol;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One encoded outbound text frame: the JSON bytes of {@code {"event":…,"args":[…]}\n}.
 * A frame is encoded once and the same bytes are handed to every session that receives it;
 * it is reference counted and returns to its {@link FramePool} when the last writer releases it.
 * Constant frames ({@link #isConstant()}) are never pooled or released.
 */
public final class Frame
{
    private static final AtomicIntegerFieldUpdater<Frame> REFS = AtomicIntegerFieldUpdater.newUpdater(Frame.class, "refs");

    private final FramePool pool;
    int kind;
    byte[] bytes;
    int length;
    private volatile int refs;

    Frame(final FramePool pool, final int initialCapacity)
    {
        this.pool = pool;
        this.kind = FrameKind.ANY;
        this.bytes = new byte[initialCapacity];
    }

    Frame(final byte[] bytes, final int kind)
    {
        this.pool = null;
        this.kind = kind;
        this.bytes = bytes;
        this.length = bytes.length;
    }

    /**
     * @return the backing array; bytes {@code [0, length())} are the frame. Never modify it.
     */
    public byte[] bytes()
    {
        return bytes;
    }

    /**
     * @return the frame length in bytes.
     */
    public int length()
    {
        return length;
    }

    /**
     * @return true for a shared immutable frame that needs no retain/release.
     */
    public boolean isConstant()
    {
        return pool == null;
    }

    /**
     * @return the {@link FrameKind} that decides how a slow session's queue treats this frame.
     */
    public int kind()
    {
        return kind;
    }

    /**
     * Adds a reference; called once per session the frame is queued for.
     */
    public void retain()
    {
        if (pool != null)
        {
            REFS.incrementAndGet(this);
        }
    }

    /**
     * Adds {@code count} references at once; the fan-out calls it once per record.
     *
     * @param count references to add.
     */
    public void retain(final int count)
    {
        if (pool != null && count > 0)
        {
            REFS.getAndAdd(this, count);
        }
    }

    /**
     * Drops a reference; the last one returns the frame to its pool. Any thread.
     */
    public void release()
    {
        if (pool != null && REFS.decrementAndGet(this) == 0)
        {
            pool.recycle(this);
        }
    }

    /**
     * @return the current reference count, for tests.
     */
    public int refCount()
    {
        return refs;
    }

    void resetRefs(final int count)
    {
        REFS.set(this, count);
    }

    /**
     * @return the frame as a string, for tests and logs only (allocates).
     */
    @Override
    public String toString()
    {
        return new String(bytes, 0, length, java.nio.charset.StandardCharsets.UTF_8);
    }
}
