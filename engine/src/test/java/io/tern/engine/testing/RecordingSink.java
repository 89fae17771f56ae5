package io.tern.engine.testing;

import io.tern.engine.protocol.Frame;
import io.tern.engine.session.FrameSink;
import io.tern.engine.session.Session;

import java.util.ArrayList;
import java.util.List;

/**
 * A frame sink that records frames as strings and completes each write at once (or holds
 * writes while {@link #stall()}ed, like a client that stopped reading).
 */
public final class RecordingSink implements FrameSink
{
    public final List<String> frames = new ArrayList<>();
    public volatile Session session;
    public int pings;
    /** When set, each ping is answered at once, like a live peer. */
    public Runnable onPing;
    public int closeCode = -1;
    public String closeReason;
    private boolean stalled;
    private final List<Frame> held = new ArrayList<>();

    @Override
    public void attach(final Session attached)
    {
        session = attached;
    }

    @Override
    public synchronized void write(final Frame frame)
    {
        if (stalled)
        {
            held.add(frame);
            return;
        }
        frames.add(frame.toString().trim());
        session.onFrameWritten(true);
    }

    public synchronized void stall()
    {
        stalled = true;
    }

    /** Completes the held write and resumes immediate completion. */
    public void resume()
    {
        final List<Frame> pending;
        synchronized (this)
        {
            stalled = false;
            pending = new ArrayList<>(held);
            held.clear();
        }
        for (final Frame frame : pending)
        {
            synchronized (this)
            {
                frames.add(frame.toString().trim());
            }
            session.onFrameWritten(true);
        }
    }

    @Override
    public void ping()
    {
        pings++;
        if (onPing != null)
        {
            onPing.run();
        }
    }

    @Override
    public void close(final int code, final String reason)
    {
        if (closeCode < 0)
        {
            closeCode = code;
            closeReason = reason;
        }
    }

    public synchronized List<String> drain()
    {
        final List<String> copy = new ArrayList<>(frames);
        frames.clear();
        return copy;
    }
}
