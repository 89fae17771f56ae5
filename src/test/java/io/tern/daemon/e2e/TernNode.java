package io.tern.daemon.e2e;

import io.tern.daemon.Daemon;
import io.tern.daemon.config.ConfigLoader;
import io.tern.daemon.config.PerfProfile;
import io.tern.daemon.server.ManagedServer;
import io.tern.daemon.token.TokenMinter;
import io.tern.engine.server.ServerState;
import io.tern.transport.testing.RawWebSocketClient;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real Tern daemon for end-to-end tests: written as a YAML config file, loaded by the real
 * loader, started in-process on 127.0.0.1 with an ephemeral port and a {@link ManualClock},
 * running real child processes through {@code /bin/sh}. Clients are real websocket clients
 * over loopback.
 */
final class TernNode implements AutoCloseable
{
    static final String KEY = "e2e-node-token-0123456789abcdefghijklmnop";
    static final String PANEL = "https://panel.test";
    static final String USER = "2c7a0b8e-6d61-4c55-9a30-1f0c9d2b7e11";

    /** {@code echo}es "ready" (its done string), then echoes stdin. Stops on SIGTERM. */
    static final String CAT = "echo booting; echo ready; exec cat";
    /** Like {@link #CAT} but its stop command is ignored, so a stop holds the power lock. */
    static final String STUBBORN = "echo ready; exec cat";

    final ManualClock clock = new ManualClock();
    final Path directory;
    final Daemon daemon;
    private final List<RawWebSocketClient> clients = new ArrayList<>();
    private final TokenMinter minter = new TokenMinter(KEY.getBytes(StandardCharsets.UTF_8), PANEL);

    private TernNode(final Path directory, final String yaml, final String profile) throws Exception
    {
        this.directory = directory;
        final Path config = directory.resolve("config.yml");
        Files.writeString(config, yaml);
        final PerfProfile perf = profile == null
            ? PerfProfile.defaults()
            : PerfProfile.parse("test profile", new StringReader(profile));
        this.daemon = Daemon.start(ConfigLoader.load(config, perf), clock);
    }

    static Builder builder()
    {
        return new Builder();
    }

    int port()
    {
        return daemon.port();
    }

    ManagedServer server(final String uuid)
    {
        return daemon.server(uuid);
    }

    /** A token exactly like a panel's, issued the second after boot. */
    String token(final String serverUuid, final String... permissions)
    {
        return minter.mint(serverUuid, USER, Arrays.asList(permissions), daemon.bootEpochSeconds() + 1, Duration.ofMinutes(10));
    }

    String token(final String serverUuid, final long issuedAt, final Duration ttl, final String... permissions)
    {
        return minter.mint(serverUuid, USER, Arrays.asList(permissions), issuedAt, ttl);
    }

    String tokenWithJti(final String serverUuid, final long issuedAt, final String jti)
    {
        return minter.mint(serverUuid, USER, List.of("*"), issuedAt, Duration.ofMinutes(10), jti);
    }

    RawWebSocketClient client() throws IOException
    {
        final RawWebSocketClient client = new RawWebSocketClient("127.0.0.1", port(), 5000);
        clients.add(client);
        return client;
    }

    /** Opens a socket to the server's console with the panel's Origin; asserts the upgrade. */
    RawWebSocketClient connect(final String serverUuid) throws IOException
    {
        return connect(serverUuid, client());
    }

    /** A client with a tiny receive buffer, for tests of clients that stop reading. */
    RawWebSocketClient connectWithSmallWindow(final String serverUuid) throws IOException
    {
        final RawWebSocketClient client = new RawWebSocketClient("127.0.0.1", port(), 5000, 4096);
        clients.add(client);
        return connect(serverUuid, client);
    }

    private RawWebSocketClient connect(final String serverUuid, final RawWebSocketClient client) throws IOException
    {
        final RawWebSocketClient.HttpResponse response =
            client.upgrade("/api/servers/" + serverUuid + "/ws", RawWebSocketClient.headers("Origin", PANEL));
        assertEquals(101, response.status(), response.toString());
        return client;
    }

    /** Connects and authenticates with {@code permissions}, reading the greeting up to {@code status}. */
    RawWebSocketClient authenticated(final String serverUuid, final String... permissions) throws IOException
    {
        final RawWebSocketClient client = connect(serverUuid);
        client.sendText(auth(token(serverUuid, permissions)));
        assertEquals("{\"event\":\"auth success\"}", client.readText().trim());
        final String status = client.readEvent("status");
        if (status.contains("\"offline\""))
        {
            client.readEvent("stats");
        }
        return client;
    }

    static String auth(final String jwt)
    {
        return "{\"event\":\"auth\",\"args\":[\"" + jwt + "\"]}";
    }

    static String event(final String name, final String arg)
    {
        return "{\"event\":\"" + name + "\",\"args\":[" + (arg == null ? "null" : "\"" + arg + "\"") + "]}";
    }

    HttpResponse<String> post(final String path, final String body, final String bearer) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
        if (bearer != null)
        {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Starts a server through its control and waits until it is running. */
    void startAndAwaitRunning(final String uuid)
    {
        server(uuid).power(io.tern.engine.server.PowerAction.START, null);
        await(() -> server(uuid).state() == ServerState.RUNNING, "server " + uuid + " running");
    }

    static void await(final BooleanSupplier condition, final String what)
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("timed out waiting for " + what);
            }
            try
            {
                Thread.sleep(10);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }

    @Override
    public void close() throws Exception
    {
        for (final RawWebSocketClient client : clients)
        {
            client.close();
        }
        daemon.close();
    }

    /** Writes the YAML a test needs. */
    static final class Builder
    {
        private final StringBuilder servers = new StringBuilder();
        private final StringBuilder extra = new StringBuilder();
        private String allowedOrigins = "[]";
        private String profile;
        private int logCount = 150;
        private int throttleLines = 2000;

        Builder server(final String uuid, final String invocation, final String... done)
        {
            return server(uuid, invocation, "signal", "SIGTERM", false, done);
        }

        Builder server(final String uuid, final String invocation, final String stopType, final String stopValue,
            final boolean suspended, final String... done)
        {
            servers.append("  - uuid: ").append(uuid).append('\n')
                .append("    invocation: '").append(invocation.replace("'", "''")).append("'\n")
                .append("    stop: {type: ").append(stopType).append(", value: '").append(stopValue).append("'}\n")
                .append("    done: [").append(String.join(", ", Arrays.stream(done).map(d -> "'" + d + "'").toList())).append("]\n")
                .append("    limits: {memory: 256}\n")
                .append("    suspended: ").append(suspended).append('\n');
            return this;
        }

        Builder allowedOrigins(final String yamlList)
        {
            allowedOrigins = yamlList;
            return this;
        }

        Builder logCount(final int count)
        {
            logCount = count;
            return this;
        }

        Builder throttleLines(final int lines)
        {
            throttleLines = lines;
            return this;
        }

        Builder yaml(final String lines)
        {
            extra.append(lines).append('\n');
            return this;
        }

        Builder profile(final String properties)
        {
            profile = properties;
            return this;
        }

        TernNode start(final Path directory) throws Exception
        {
            final String yaml = "token: " + KEY + "\n"
                + "remote: " + PANEL + "\n"
                + "allowed_origins: " + allowedOrigins + "\n"
                + "api: {host: 127.0.0.1, port: 0}\n"
                + "system:\n"
                + "  data: " + directory.resolve("volumes") + "\n"
                + "  websocket_log_count: " + logCount + "\n"
                + "  crash_detection: {enabled: false}\n"
                + "throttles: {lines: " + throttleLines + ", line_reset_interval: 100}\n"
                + extra
                + "servers:\n" + servers;
            return new TernNode(directory, yaml, profile);
        }
    }

    static String uuid()
    {
        return UUID.randomUUID().toString();
    }

    static Map<String, String> origin(final String value)
    {
        return RawWebSocketClient.headers("Origin", value);
    }
}
