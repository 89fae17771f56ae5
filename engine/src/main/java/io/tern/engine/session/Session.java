package io.tern.engine.session;

import io.tern.engine.auth.VerifiedToken;
import io.tern.engine.ratelimit.TokenBucket;
import io.tern.engine.server.ServerHandle;

/**
 * One websocket connection to one server's console.
 *
 * <p>Ownership: the fields without {@code volatile} belong to the inbound handler thread of the
 * session's shard (token, limiter buckets, timers). The fan-out agent reads only
 * {@link #forwardPermissions()}; IO threads touch only the pong time,
 * {@link #onFrameWritten(boolean)} and {@link #outbound()}.
 */
public final class Session
{
    private final int id;
    private final ServerHandle server;
    private final FrameSink sink;
    private Outbound outbound;

    private volatile int forwardPermissions;
    private volatile long lastPongNanos;
    private volatile boolean closed;

    int index = -1;

    /** Set once the connection's end was processed and its slot released. Handler thread. */
    public boolean released;
    /** The current token, {@code null} before the first successful {@code auth}. Handler thread. */
    public VerifiedToken token;
    /** Whether {@code token expiring} was sent for the current token. Handler thread. */
    public boolean expiringSent;
    /** Whether the current token's expiry or denial was reported (forwarding is paused). Handler thread. */
    public boolean invalidNotified;
    /** When the connection opened, epoch nanos. Handler thread. */
    public long openedNanos;
    /** When the last Ping was sent, epoch nanos. Handler thread. */
    public long lastPingNanos;
    /** Global limiter: burst 10, +1 per 200 ms (§4.1). Handler thread. */
    public final TokenBucket global;
    /** {@code auth} limiter: burst 2, +1 per 5 s. Handler thread. */
    public final TokenBucket authBucket;
    /** {@code send logs} limiter: burst 2, +1 per 5 s. Handler thread. */
    public final TokenBucket logsBucket;
    /** {@code send command} limiter: burst 10, +1 per 1 s. Handler thread. */
    public final TokenBucket commandBucket;
    /** Every other event: burst 4, +1 per 1 s. Handler thread. */
    public final TokenBucket defaultBucket;

    /**
     * @param id     unique id within the engine.
     * @param server the server this connection watches.
     * @param sink   the transport's writer.
     */
    public Session(final int id, final ServerHandle server, final FrameSink sink)
    {
        this.id = id;
        this.server = server;
        this.sink = sink;
        final long second = 1_000_000_000L;
        this.global = new TokenBucket(10, 200_000_000L);
        this.authBucket = new TokenBucket(2, 5 * second);
        this.logsBucket = new TokenBucket(2, 5 * second);
        this.commandBucket = new TokenBucket(10, second);
        this.defaultBucket = new TokenBucket(4, second);
    }

    void attach(final Outbound outbound, final long nowNanos)
    {
        attach(outbound, nowNanos, 0);
    }

    void attach(final Outbound outbound, final long nowNanos, final long pingPhaseNanos)
    {
        this.outbound = outbound;
        this.openedNanos = nowNanos;
        this.lastPingNanos = nowNanos - pingPhaseNanos;
        this.lastPongNanos = nowNanos;
    }

    public int id()
    {
        return id;
    }

    public ServerHandle server()
    {
        return server;
    }

    public FrameSink sink()
    {
        return sink;
    }

    /**
     * @return the bounded outbound queue.
     */
    public Outbound outbound()
    {
        return outbound;
    }

    /**
     * @return the permission bits of a currently valid token while broadcast frames should be
     * forwarded to this session, 0 otherwise. Written by the handler thread, read by the fan-out.
     */
    public int forwardPermissions()
    {
        return forwardPermissions;
    }

    /**
     * Starts (non-zero bits) or pauses (0) forwarding of broadcast frames. Handler thread.
     *
     * @param bits the token's permission bits, or 0.
     */
    public void forwardPermissions(final int bits)
    {
        forwardPermissions = bits;
    }

    /**
     * Transport callback: the frame given to {@link FrameSink#write} is done. Any thread.
     *
     * @param success false when the write failed.
     */
    public void onFrameWritten(final boolean success)
    {
        outbound.onFrameWritten(success);
    }

    void onPong(final long nowNanos)
    {
        lastPongNanos = nowNanos;
    }

    /**
     * @return when the last Pong (or the open) happened, epoch nanos.
     */
    public long lastPongNanos()
    {
        return lastPongNanos;
    }

    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Marks the session closed and stops forwarding. Any thread; idempotent.
     */
    public void markClosed()
    {
        closed = true;
        forwardPermissions = 0;
    }
}
