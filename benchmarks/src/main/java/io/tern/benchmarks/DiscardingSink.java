package io.tern.benchmarks;

import io.tern.engine.protocol.Frame;
import io.tern.engine.session.FrameSink;
import io.tern.engine.session.Session;

/**
 * An in-memory session sink that completes every write at once and counts bytes, so engine
 * benchmarks measure the engine without socket IO.
 */
final class DiscardingSink implements FrameSink
{
    Session session;
    long bytes;
    long frames;

    @Override
    public void attach(final Session attached)
    {
        session = attached;
    }

    @Override
    public void write(final Frame frame)
    {
        bytes += frame.length();
        frames++;
        session.onFrameWritten(true);
    }

    @Override
    public void ping()
    {
    }

    @Override
    public void close(final int code, final String reason)
    {
    }
}
