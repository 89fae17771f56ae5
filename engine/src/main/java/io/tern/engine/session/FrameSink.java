package io.tern.engine.session;

import io.tern.engine.protocol.Frame;

/**
 * The write side of one websocket connection, implemented by the transport. The engine calls
 * {@link #write(Frame)} from one thread at a time per connection, in frame order, with at most
 * {@link Outbound#MAX_IN_FLIGHT} writes not yet reported; the transport must write them in that
 * order and report each with {@link Session#onFrameWritten(boolean)} in the same order. Methods may
 * be called from any engine thread and must not block.
 */
public interface FrameSink
{
    /**
     * Binds the session this sink writes for; called once by the engine before any other method,
     * before the session's OPEN is published.
     *
     * @param session the session.
     */
    default void attach(final Session session)
    {
    }

    /**
     * Starts writing one text frame (queues it until {@link #flush()}). When the write completes or fails, the transport calls
     * {@link Session#onFrameWritten(boolean)} exactly once, from any thread. The frame's bytes
     * stay valid until then.
     *
     * @param frame the frame to write.
     */
    void write(Frame frame);

    /**
     * Puts the frames handed to {@link #write(Frame)} since the last flush on the wire, as few
     * writes as possible; the engine calls it after each batch of writes. A transport that writes
     * in {@link #write(Frame)} itself need not implement it.
     */
    default void flush()
    {
    }

    /**
     * Sends a websocket Ping; the peer's Pong must reach {@link io.tern.engine.Engine#onPong(Session)}.
     */
    void ping();

    /**
     * Sends a Close frame with {@code code} and {@code reason}, then closes the TCP connection
     * without waiting for the peer. Idempotent. The transport then reports the end of the
     * connection through {@link io.tern.engine.Engine#onClosed(Session)}.
     *
     * @param code   websocket close code.
     * @param reason close reason, may be empty.
     */
    void close(int code, String reason);
}
