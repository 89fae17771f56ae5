package io.tern.transport;

import io.tern.engine.Engine;
import io.tern.engine.auth.VerifiedToken;
import io.tern.engine.server.ServerHandle;
import io.tern.engine.session.Session;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.HttpUpgradeListener;
import io.undertow.server.ServerConnection;
import io.undertow.util.Headers;
import org.xnio.IoUtils;
import org.xnio.Options;
import org.xnio.StreamConnection;

import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The connection slot reserved for one upgrade request, from the cap check until the upgraded
 * connection has an engine session. Exactly one of two things happens to the slot: the session
 * takes it over (the engine releases it when the connection closes), or it is given back here by
 * {@link #cancel()}: when a check refuses the request, or when the HTTP connection dies before
 * the {@code 101} is on the wire. IO thread.
 */
final class PendingUpgrade implements HttpUpgradeListener, ServerConnection.CloseListener
{
    private final AtomicBoolean settled = new AtomicBoolean();
    private final Engine engine;
    private final ServerHandle server;
    private final Set<Connection> openConnections;
    private final int sendBuffer;
    private VerifiedToken token;
    private UpgradeExchange facade;

    /**
     * @param engine          the engine.
     * @param server          the server whose slot is reserved.
     * @param openConnections the open websockets.
     * @param sendBuffer      SO_SNDBUF of the upgraded socket, 0 for the kernel's default.
     */
    PendingUpgrade(final Engine engine, final ServerHandle server, final Set<Connection> openConnections, final int sendBuffer)
    {
        this.sendBuffer = sendBuffer;
        this.engine = engine;
        this.server = server;
        this.openConnections = openConnections;
    }

    /**
     * Records what the checks found, before the upgrade starts.
     *
     * @param token  the token verified at the upgrade, or {@code null}.
     * @param facade the handshake's view of the request.
     */
    void accept(final VerifiedToken token, final UpgradeExchange facade)
    {
        this.token = token;
        this.facade = facade;
    }

    @Override
    public void handleUpgrade(final StreamConnection streamConnection, final HttpServerExchange exchange)
    {
        if (!settled.compareAndSet(false, true))
        {
            IoUtils.safeClose(streamConnection);
            return;
        }
        final Connection connection;
        try
        {
            final boolean deflate = exchange.getResponseHeaders().contains(Headers.SEC_WEB_SOCKET_EXTENSIONS);
            if (sendBuffer > 0)
            {
                limitSendBuffer(streamConnection, sendBuffer);
            }
            connection = new Connection(engine, streamConnection, deflate, openConnections);
        }
        catch (final RuntimeException ex)
        {
            server.releaseConnection();
            IoUtils.safeClose(streamConnection);
            throw ex;
        }
        final Session session = engine.openSession(server, connection, token);
        connection.open(session);
    }

    /**
     * Fixes SO_SNDBUF, which also turns the kernel's send-buffer autotuning off for this socket. A
     * socket that refuses the option keeps the kernel's default: the connection still works.
     */
    private static void limitSendBuffer(final StreamConnection streamConnection, final int bytes)
    {
        try
        {
            streamConnection.setOption(Options.SEND_BUFFER, bytes);
        }
        catch (final java.io.IOException | IllegalArgumentException ex)
        {
            // Only a closed socket refuses SO_SNDBUF; the close listener handles that.
        }
    }

    /**
     * @return the handshake's view of the request.
     */
    UpgradeExchange facade()
    {
        return facade;
    }

    /**
     * The HTTP connection closed; if that happened before the upgrade, the slot is given back.
     *
     * @param connection the HTTP connection.
     */
    @Override
    public void closed(final ServerConnection connection)
    {
        cancel();
    }

    /**
     * Gives the slot back unless the upgrade already completed. Idempotent.
     */
    void cancel()
    {
        if (settled.compareAndSet(false, true))
        {
            server.releaseConnection();
        }
    }
}
