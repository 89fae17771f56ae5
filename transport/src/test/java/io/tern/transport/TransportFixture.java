package io.tern.transport;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.tern.engine.Engine;
import io.tern.engine.EngineConfig;
import io.tern.engine.fanout.ServerChannel;
import io.tern.engine.server.ServerHandle;
import io.tern.transport.testing.RawWebSocketClient;
import org.agrona.concurrent.SystemEpochNanoClock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A real engine with one registered server behind a {@link WebsocketServer} on an ephemeral
 * loopback port. Closing it stops the transport, then the engine.
 */
final class TransportFixture implements AutoCloseable
{
    static final String REMOTE = "https://panel.example.com";
    static final String SERVER_UUID = "7c4d1f0e-2b9a-4e55-9c1e-0a2b3c4d5e6f";
    static final int MAX_CONNECTIONS = 3;
    private static final byte[] KEY = "transport-test-node-token-0123456789".getBytes(StandardCharsets.UTF_8);

    final Engine engine;
    final StubServerControl control = new StubServerControl(SERVER_UUID);
    final ServerChannel channel;
    final WebsocketServer server;

    TransportFixture()
    {
        this(options -> { });
    }

    TransportFixture(final Consumer<TransportOptions> customize)
    {
        this(customize, config -> { });
    }

    TransportFixture(final Consumer<TransportOptions> customize, final Consumer<EngineConfig> configure)
    {
        final EngineConfig config = new EngineConfig();
        config.maxConnectionsPerServer = MAX_CONNECTIONS;
        configure.accept(config);
        engine = new Engine(config, new SystemEpochNanoClock(), KEY, Instant.now().getEpochSecond() - 10);
        engine.start();
        channel = engine.registerServer(control);
        final TransportOptions options = new TransportOptions();
        options.host = "127.0.0.1";
        options.port = 0;
        options.ioThreads = 1;
        options.workerThreads = 1;
        options.bufferSize = 4096;
        options.remote = REMOTE;
        customize.accept(options);
        server = new WebsocketServer(engine, options);
        server.start();
    }

    RawWebSocketClient client() throws IOException
    {
        return new RawWebSocketClient("127.0.0.1", server.port());
    }

    static String path()
    {
        return "/api/servers/" + SERVER_UUID + "/ws";
    }

    /**
     * Opens a socket and upgrades it with the panel's Origin plus {@code extraHeaders}.
     */
    RawWebSocketClient connect(final String target, final String... extraHeaders) throws IOException
    {
        final RawWebSocketClient client = client();
        final Map<String, String> headers = RawWebSocketClient.headers("Origin", REMOTE);
        headers.putAll(RawWebSocketClient.headers(extraHeaders));
        final RawWebSocketClient.HttpResponse response = client.upgrade(target, headers);
        if (response.status() != 101)
        {
            client.close();
            throw new AssertionError("expected 101, got " + response);
        }
        return client;
    }

    ServerHandle handle()
    {
        return engine.server(SERVER_UUID);
    }

    /**
     * @return a token the engine accepts for the test server, with every permission.
     */
    static String token()
    {
        return token(KEY);
    }

    static String token(final byte[] key)
    {
        final Instant now = Instant.now();
        return JWT.create()
            .withClaim("server_uuid", SERVER_UUID)
            .withClaim("user_uuid", UUID.randomUUID().toString())
            .withArrayClaim("permissions", new String[] {"*"})
            .withClaim("scope", "websocket")
            .withJWTId(UUID.randomUUID().toString())
            .withIssuedAt(Date.from(now))
            .withNotBefore(Date.from(now.minusSeconds(300)))
            .withExpiresAt(Date.from(now.plusSeconds(600)))
            .sign(Algorithm.HMAC256(key));
    }

    /**
     * Waits up to 5 s for {@code condition}, polling.
     */
    static void await(final String what, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close()
    {
        server.close();
        engine.close();
    }
}
