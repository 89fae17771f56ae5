package io.tern.transport;

import io.tern.engine.Engine;
import io.undertow.Undertow;
import org.xnio.Options;

import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP listener of the daemon: serves the server websocket {@code GET /api/servers/{uuid}/ws}
 * on Undertow as a thin adapter over the {@link Engine}, and passes every other request to
 * {@link TransportOptions#fallback} (the daemon's REST API).
 *
 * <p>All handlers run on Undertow IO threads and never block; the engine's threads write to the
 * sockets through Undertow's thread-safe send calls. Lifecycle: {@link #start()} once, then
 * {@link #close()}; close it before the engine, because closing reports every open connection to
 * the engine.
 */
public final class WebsocketServer implements AutoCloseable
{
    private final TransportOptions options;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Undertow undertow;
    private int port = -1;
    private boolean closed;

    /**
     * Builds the server; nothing is bound until {@link #start()}.
     *
     * @param engine  the engine whose servers are exposed.
     * @param options the listener, thread, buffer, compression and Origin settings; read now.
     */
    public WebsocketServer(final Engine engine, final TransportOptions options)
    {
        if (options.bufferSize < 512)
        {
            throw new IllegalArgumentException(
                "transport.buffer_size must be at least 512 bytes, not " + options.bufferSize);
        }
        this.options = options;
        final OriginPolicy origins = new OriginPolicy(options.remote, options.allowedOrigins, options.allowCorsPrivateNetwork);
        final UpgradeHandler upgrades = new UpgradeHandler(engine, origins, options.compression, connections, options.sendBuffer);
        final Router router = new Router(origins, upgrades, options.fallback != null ? options.fallback : new NotFoundHandler());
        final Undertow.Builder builder = Undertow.builder()
            .setBufferSize(options.bufferSize)
            .setDirectBuffers(true)
            .setSocketOption(Options.TCP_NODELAY, true)
            .addHttpListener(options.port, options.host)
            .setHandler(router);
        if (options.ioThreads > 0)
        {
            builder.setIoThreads(options.ioThreads);
        }
        if (options.workerThreads > 0)
        {
            builder.setWorkerThreads(options.workerThreads);
        }
        this.undertow = builder.build();
    }

    /**
     * Binds the listener and starts the IO threads.
     *
     * @throws IllegalStateException when the address cannot be bound (e.g. the port is in use).
     */
    public synchronized void start()
    {
        if (closed || port >= 0)
        {
            throw new IllegalStateException("the websocket server was already started");
        }
        try
        {
            undertow.start();
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalStateException("cannot listen on " + options.host + ":" + options.port + " ("
                + rootMessage(ex) + "); free the port or change api.host/api.port", ex);
        }
        port = ((InetSocketAddress)undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    /**
     * @return the bound port (the ephemeral one when {@link TransportOptions#port} is 0).
     * @throws IllegalStateException before {@link #start()}.
     */
    public synchronized int port()
    {
        if (port < 0)
        {
            throw new IllegalStateException("the websocket server is not started");
        }
        return port;
    }

    /**
     * @return the number of open websocket connections.
     */
    public int openConnections()
    {
        return connections.size();
    }

    /**
     * Closes every open websocket (the engine sees each end, without a Close frame: send the
     * 1012 Close through the engine first for a graceful shutdown), then stops the listener and
     * the IO threads. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final Connection connection : connections)
        {
            connection.closeSocket();
        }
        undertow.stop();
    }

    private static String rootMessage(final Throwable failure)
    {
        Throwable cause = failure;
        while (cause.getCause() != null)
        {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }
}
