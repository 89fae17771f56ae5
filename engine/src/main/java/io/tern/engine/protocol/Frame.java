package io.tern.engine.protocol;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.zip.Deflater;

/**
 * One encoded outbound text frame: the JSON bytes of {@code {"event":…,"args":[…]}\n}.
 * A frame is encoded once and the same bytes are handed to every session that receives it;
 * it is reference counted and returns to its {@link FramePool} when the last writer releases it.
 * Constant frames ({@link #isConstant()}) are never pooled or released.
 */
public final class Frame
{
    private static final AtomicIntegerFieldUpdater<Frame> REFS = AtomicIntegerFieldUpdater.newUpdater(Frame.class, "refs");
    private static final AtomicIntegerFieldUpdater<Frame> DEFLATE_STATE =
        AtomicIntegerFieldUpdater.newUpdater(Frame.class, "deflateState");
    private static final int NOT_DEFLATED = 0;
    private static final int DEFLATING = 1;
    private static final int DEFLATED = 2;
    /** The sync-flush trailer that permessage-deflate removes from every message (RFC 7692 §7.2.1). */
    private static final int TAIL_LENGTH = 4;

    private final FramePool pool;
    int kind;
    byte[] bytes;
    int length;
    private volatile int refs;
    private byte[] deflated;
    private int deflatedLength;
    private volatile int deflateState;

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

    /**
     * Readies a frame just taken from its pool: no other thread can see it until the owner
     * publishes it (a queue offer, itself a release), so release stores are enough here.
     */
    void resetRefs(final int count)
    {
        REFS.lazySet(this, count);
        DEFLATE_STATE.lazySet(this, NOT_DEFLATED);
    }

    /**
     * Compresses the frame for permessage-deflate without context takeover, once: every
     * compressed session writes the same bytes, so the first writer that needs them computes them
     * (with its own {@code deflater}) and the others reuse them. A writer that finds another one
     * computing waits the few microseconds it takes. Any thread, while holding a reference.
     *
     * @param deflater a raw (nowrap) deflater owned by the calling thread; reset before and after.
     * @return the length of {@link #deflatedBytes()}.
     */
    public int deflate(final Deflater deflater)
    {
        int state = deflateState;
        if (state == NOT_DEFLATED && DEFLATE_STATE.compareAndSet(this, NOT_DEFLATED, DEFLATING))
        {
            deflatedLength = deflateInto(deflater);
            deflateState = DEFLATED;
            return deflatedLength;
        }
        while ((state = deflateState) != DEFLATED)
        {
            Thread.onSpinWait();
        }
        return deflatedLength;
    }

    /**
     * @return the compressed payload computed by {@link #deflate(Deflater)}; bytes
     * {@code [0, deflate(...))} are valid once it returned. Never modify it.
     */
    public byte[] deflatedBytes()
    {
        return deflated;
    }

    private int deflateInto(final Deflater deflater)
    {
        byte[] out = deflated;
        if (out == null || out.length < length / 2 + 64)
        {
            out = new byte[Math.max(64, length + 64)];
        }
        deflater.reset();
        deflater.setInput(bytes, 0, length);
        int produced = 0;
        while (true)
        {
            produced += deflater.deflate(out, produced, out.length - produced, Deflater.SYNC_FLUSH);
            if (produced < out.length)
            {
                break;
            }
            out = java.util.Arrays.copyOf(out, out.length * 2);
        }
        deflater.reset();
        deflated = out;
        if (produced >= TAIL_LENGTH && out[produced - 4] == 0 && out[produced - 3] == 0
            && out[produced - 2] == (byte)0xFF && out[produced - 1] == (byte)0xFF)
        {
            produced -= TAIL_LENGTH;
        }
        return produced;
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
