package io.tern.daemon.api;

import io.tern.daemon.Daemon;
import io.tern.daemon.config.ConfigLoader;
import io.tern.daemon.config.PerfProfile;
import io.tern.daemon.token.TokenMinter;
import io.tern.transport.testing.RawWebSocketClient;
import org.agrona.concurrent.EpochNanoClock;

import java.io.IOException;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real daemon for admin API tests: a YAML config file in a temporary directory, loaded by the
 * real loader, started in-process on 127.0.0.1 with an ephemeral port and a clock that only moves
 * when the test moves it; real child processes through {@code /bin/sh}. Requests go through the
 * JDK's HTTP client, websockets through {@link RawWebSocketClient}. Public so the metrics tests
 * can use it too.
 */
public final class ApiNode implements AutoCloseable
{
    public static final String KEY = "api-node-token-0123456789abcdefghijklmnopq";
    public static final String PANEL = "https://panel.test";
    public static final String USER = "2c7a0b8e-6d61-4c55-9a30-1f0c9d2b7e11";
    public static final String OTHER_USER = "7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
    /** Prints "ready" (a done string) and echoes stdin; stops on SIGTERM. */
    public static final String CAT = "echo ready; exec cat";

    private static final HttpClient HTTP = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();

    private final AtomicLong nanos = new AtomicLong(System.currentTimeMillis() * 1_000_000L);
    private final EpochNanoClock clock = nanos::get;
    private final TokenMinter minter = new TokenMinter(KEY.getBytes(StandardCharsets.UTF_8), PANEL);
    private final List<RawWebSocketClient> clients = new ArrayList<>();
    private final Path directory;
    private final Path config;
    private Daemon daemon;

    private ApiNode(final Path directory, final Path config) throws Exception
    {
        this.directory = directory;
        this.config = config;
        this.daemon = Daemon.start(ConfigLoader.load(config, PerfProfile.defaults()), clock);
    }

    /**
     * Writes a config with {@code servers} (YAML list entries, each starting with {@code "  - "}) plus a
     * comment and extra keys that write-back must keep, and starts a daemon on it.
     */
    public static ApiNode start(final Path directory, final String servers) throws Exception
    {
        final Path config = Files.writeString(directory.resolve("config.yml"),
            "# a hand-written comment\n"
            + "token: " + KEY + "\n"
            + "remote: " + PANEL + "\n"
            + "api: {host: 127.0.0.1, port: 0}\n"
            + "system:\n"
            + "  data: " + directory.resolve("volumes") + "\n"
            + "  crash_detection: {enabled: false}\n"
            + "docker: {network: {name: pterodactyl_nw}}\n"
            + "servers:\n" + (servers.isEmpty() ? "  []\n" : servers));
        return new ApiNode(directory, config);
    }

    /** A {@code servers:} list entry running {@link #CAT} until SIGTERM. */
    public static String catServer(final String uuid)
    {
        return "  - {uuid: " + uuid + ", invocation: '" + CAT + "', done: [ready]}\n";
    }

    /** Closes every client and the daemon, then starts a new daemon from the same config file. */
    public void restart() throws Exception
    {
        closeClients();
        daemon.close();
        daemon = Daemon.start(ConfigLoader.load(config, PerfProfile.defaults()), clock);
    }

    public Daemon daemon()
    {
        return daemon;
    }

    public Path config()
    {
        return config;
    }

    public Path directory()
    {
        return directory;
    }

    public Path serverDirectory(final String uuid)
    {
        return directory.resolve("volumes").resolve(uuid);
    }

    public void advanceSeconds(final long seconds)
    {
        nanos.addAndGet(seconds * 1_000_000_000L);
    }

    /** A token like a panel's for {@code user}, issued the second after boot. */
    public String token(final String server, final String user, final String... permissions)
    {
        return minter.mint(server, user, Arrays.asList(permissions), daemon.bootEpochSeconds() + 1, Duration.ofMinutes(10));
    }

    /** Opens a socket with the panel's Origin; asserts the upgrade. */
    public RawWebSocketClient connect(final String server) throws IOException
    {
        final RawWebSocketClient client = new RawWebSocketClient("127.0.0.1", daemon.port(), 5000);
        clients.add(client);
        final RawWebSocketClient.HttpResponse response =
            client.upgrade("/api/servers/" + server + "/ws", RawWebSocketClient.headers("Origin", PANEL));
        assertEquals(101, response.status(), response.toString());
        return client;
    }

    /**
     * Connects and authenticates as {@code user} with every permission, reading the greeting: {@code status},
     * and {@code stats} when offline.
     */
    public RawWebSocketClient authenticated(final String server, final String user) throws IOException
    {
        final RawWebSocketClient client = connect(server);
        client.sendText(auth(token(server, user, "*", "admin.websocket.install", "admin.websocket.errors")));
        assertEquals("{\"event\":\"auth success\"}", client.readText().trim());
        if (client.readEvent("status").contains("\"offline\""))
        {
            client.readEvent("stats");
        }
        return client;
    }

    public static String auth(final String jwt)
    {
        return "{\"event\":\"auth\",\"args\":[\"" + jwt + "\"]}";
    }

    public HttpResponse<String> get(final String path) throws Exception
    {
        return send("GET", path, null, KEY);
    }

    public HttpResponse<String> post(final String path, final String body) throws Exception
    {
        return send("POST", path, body, KEY);
    }

    public HttpResponse<String> delete(final String path) throws Exception
    {
        return send("DELETE", path, null, KEY);
    }

    /**
     * @param bearer the bearer token, or {@code null} for no Authorization header.
     */
    public HttpResponse<String> send(final String method, final String path, final String body, final String bearer)
        throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port() + path))
            .timeout(Duration.ofSeconds(20))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null)
        {
            request.header("Content-Type", "application/json");
        }
        if (bearer != null)
        {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public static void await(final BooleanSupplier condition, final String what)
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

    private void closeClients() throws IOException
    {
        for (final RawWebSocketClient client : clients)
        {
            client.close();
        }
        clients.clear();
    }

    @Override
    public void close() throws Exception
    {
        closeClients();
        daemon.close();
    }
}
