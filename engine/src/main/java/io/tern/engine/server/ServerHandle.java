package io.tern.engine.server;

import io.tern.engine.fanout.ServerChannel;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's record of one registered server: its control, its broadcast channel and the
 * atomic count of open websocket connections that enforces the per-server cap.
 */
public final class ServerHandle
{
    private final ServerControl control;
    private final ServerChannel channel;
    private final AtomicInteger connections = new AtomicInteger();
    private final int maxConnections;
    private final int fanoutShard;

    /**
     * @param control        the daemon's control of the server.
     * @param channel        its broadcast channel.
     * @param maxConnections the per-server connection cap.
     */
    public ServerHandle(final ServerControl control, final ServerChannel channel, final int maxConnections)
    {
        this(control, channel, maxConnections, 0);
    }

    /**
     * @param control        the daemon's control of the server.
     * @param channel        its broadcast channel.
     * @param maxConnections the per-server connection cap.
     * @param fanoutShard    the index of the fan-out agent that reads its channel.
     */
    public ServerHandle(final ServerControl control, final ServerChannel channel, final int maxConnections, final int fanoutShard)
    {
        this.control = control;
        this.channel = channel;
        this.maxConnections = maxConnections;
        this.fanoutShard = fanoutShard;
    }

    /**
     * @return the index of the fan-out agent that reads this server's channel.
     */
    public int fanoutShard()
    {
        return fanoutShard;
    }

    public String uuid()
    {
        return control.uuid();
    }

    public ServerControl control()
    {
        return control;
    }

    public ServerChannel channel()
    {
        return channel;
    }

    /**
     * Reserves one connection slot, atomically (Part I.3 item 6).
     *
     * @return false when the cap is reached.
     */
    public boolean tryReserveConnection()
    {
        while (true)
        {
            final int current = connections.get();
            if (current >= maxConnections)
            {
                return false;
            }
            if (connections.compareAndSet(current, current + 1))
            {
                return true;
            }
        }
    }

    /**
     * Gives back a slot taken by {@link #tryReserveConnection()}.
     */
    public void releaseConnection()
    {
        connections.decrementAndGet();
    }

    /**
     * @return open (or reserved) connections.
     */
    public int connections()
    {
        return connections.get();
    }
}
