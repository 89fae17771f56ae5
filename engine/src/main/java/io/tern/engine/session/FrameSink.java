package io.tern.engine.session;

import io.tern.engine.protocol.Frame;

/**
 * The write side of one websocket connection, implemented by the transport. The engine
 * guarantees at most one {@link #write(Frame)} in flight per connection: it calls the next one
 * only after {@link Session#onFrameWritten(boolean)} for the previous. Methods may be called
 * from any engine thread and must not block.
 */
public interface FrameSink
{
    /**
     * Starts writing one text frame. When the write completes or fails, the transport calls
     * {@link Session#onFrameWritten(boolean)} exactly once, from any thread. The frame's bytes
     * stay valid until then.
     *
     * @param frame the frame to write.
     */
    void write(Frame frame);

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
