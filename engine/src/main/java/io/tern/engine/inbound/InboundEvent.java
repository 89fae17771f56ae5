package io.tern.engine.inbound;

import io.tern.engine.auth.VerifiedToken;
import io.tern.engine.session.Session;

import java.nio.ByteBuffer;

/**
 * A preallocated inbound ring slot. IO threads fill it (copying the frame bytes into
 * {@link #payload}, no {@code String}), the handler thread reads it. Frames longer than the
 * inline capacity (only possible with compression, up to 32 KiB) get a one-off array.
 */
public final class InboundEvent
{
    /** A connection finished its upgrade; {@link #session} and maybe {@link #preAuth} are set. */
    public static final int OPEN = 1;
    /** A text message. */
    public static final int TEXT = 2;
    /** A binary message (counts against the global limiter, then ignored). */
    public static final int BINARY = 3;
    /** The connection ended. */
    public static final int CLOSED = 4;
    /** Timer tick: check auth timeouts, token expiry, pings, write stalls. */
    public static final int TICK = 5;
    /** Run {@link #task} on the handler thread (admin operations; may allocate). */
    public static final int TASK = 6;
    /** A text message longer than the decompressed limit: counts against the global limiter, then dropped. */
    public static final int OVERSIZE = 7;

    /** Inline payload capacity. */
    public static final int INLINE_CAPACITY = 2048;

    int type;
    Session session;
    VerifiedToken preAuth;
    Runnable task;
    final byte[] inline = new byte[INLINE_CAPACITY];
    byte[] payload = inline;
    int length;

    /** Ring translator for {@link #OPEN}. */
    public static void fillOpen(final InboundEvent event, final long sequence, final Session session, final VerifiedToken preAuth)
    {
        event.clear();
        event.type = OPEN;
        event.session = session;
        event.preAuth = preAuth;
    }

    /** Ring translator for {@link #BINARY}. */
    public static void fillIgnored(final InboundEvent event, final long sequence, final Session session)
    {
        event.clear();
        event.type = BINARY;
        event.session = session;
    }

    /** Ring translator for {@link #CLOSED}. */
    public static void fillClosed(final InboundEvent event, final long sequence, final Session session)
    {
        event.clear();
        event.type = CLOSED;
        event.session = session;
    }

    /** Ring translator for {@link #TICK}. */
    public static void fillTick(final InboundEvent event, final long sequence)
    {
        event.clear();
        event.type = TICK;
    }

    /** Ring translator for {@link #TASK}. */
    public static void fillTask(final InboundEvent event, final long sequence, final Runnable task)
    {
        event.clear();
        event.type = TASK;
        event.task = task;
    }

    void clear()
    {
        session = null;
        preAuth = null;
        task = null;
        payload = inline;
        length = 0;
    }

    void copyFrom(final ByteBuffer[] buffers)
    {
        int total = 0;
        for (final ByteBuffer buffer : buffers)
        {
            total += buffer.remaining();
        }
        payload = total <= INLINE_CAPACITY ? inline : new byte[total];
        int position = 0;
        for (final ByteBuffer buffer : buffers)
        {
            final int remaining = buffer.remaining();
            buffer.get(buffer.position(), payload, position, remaining);
            position += remaining;
        }
        length = total;
    }
}
