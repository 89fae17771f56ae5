package io.tern.daemon.api;

import io.tern.daemon.Daemon;
import io.tern.daemon.config.ConfigLoader;
import io.tern.daemon.config.PerfProfile;
import io.tern.daemon.token.TokenMinter;
import io.tern.transport.testing.RawWebSocketClient;
import org.agrona.concurrent.EpochNanoClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /api/servers/{uuid}/ws/deny} on a real daemon: started in-process from a YAML config on
 * 127.0.0.1 with an ephemeral port and a clock that only moves when the test moves it, called with
 * the JDK's HTTP client, its effect observed by a real websocket client. The configured server is
 * never started: the denylist acts on the socket's token, not on the process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminApiTest
{
    private static final String KEY = "admin-api-test-node-token-0123456789abcdefgh";
    private static final String PANEL = "https://panel.test";
    private static final String SERVER = "8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10";
    private static final String UNKNOWN_SERVER = "5b0e6c1a-9d2f-4e3b-8a71-0c4d2e6f8a90";
    private static final String USER = "2c7a0b8e-6d61-4c55-9a30-1f0c9d2b7e11";
    private static final String DENY = "/api/servers/" + SERVER + "/ws/deny";

    private static final String NOT_FOUND = "{\"error\":\"The requested resource does not exist on this instance.\"}";
    private static final String BAD_BODY = "{\"error\":\"The request body must be a JSON object with \\\"jtis\\\": an array of strings.\"}";

    private final AtomicLong nanos = new AtomicLong(System.currentTimeMillis() * 1_000_000L);
    private final EpochNanoClock clock = nanos::get;
    private final HttpClient http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
    private final TokenMinter minter = new TokenMinter(KEY.getBytes(StandardCharsets.UTF_8), PANEL);
    private Daemon daemon;

    @BeforeAll
    void startDaemon(@TempDir final Path directory) throws Exception
    {
        final Path config = Files.writeString(directory.resolve("config.yml"),
            "token: " + KEY + "\n"
            + "remote: " + PANEL + "\n"
            + "api: {host: 127.0.0.1, port: 0}\n"
            + "system:\n"
            + "  data: " + directory.resolve("volumes") + "\n"
            + "  crash_detection: {enabled: false}\n"
            + "servers:\n"
            + "  - {uuid: " + SERVER + ", invocation: 'exec cat'}\n");
        daemon = Daemon.start(ConfigLoader.load(config, PerfProfile.defaults()), clock);
    }

    @AfterAll
    void stopDaemon()
    {
        if (daemon != null)
        {
            daemon.close();
        }
    }

    @Test
    void deniedJtiAnswers204AndItsSessionGetsTheDenylistError() throws Exception
    {
        final String jti = "deny-test-4c1d9a7e0b2f";
        try (RawWebSocketClient client = new RawWebSocketClient("127.0.0.1", daemon.port(), 5000))
        {
            assertEquals(101, client.upgrade("/api/servers/" + SERVER + "/ws", RawWebSocketClient.headers("Origin", PANEL)).status());
            client.sendText(auth(minter.mint(SERVER, USER, List.of("*"), daemon.bootEpochSeconds() + 1, Duration.ofMinutes(10), jti)));
            assertEquals("{\"event\":\"auth success\"}", client.readText().trim());
            client.readEvent("stats");
            client.sendText("{\"event\":\"send stats\",\"args\":[null]}");
            client.readEvent("stats");

            // The denial must fall in a later second than the token's iat to cover it (PROTOCOL.md §3.4).
            advanceSeconds(2);
            final HttpResponse<String> denied = post(DENY, "{\"jtis\":[\"" + jti + "\"]}", KEY);

            assertEquals(204, denied.statusCode(), denied.body());
            assertEquals("", denied.body());
            assertCors(denied);
            client.sendText("{\"event\":\"send stats\",\"args\":[null]}");
            assertEquals("{\"event\":\"jwt error\",\"args\":[\"jwt: created too far in past (denylist)\"]}",
                client.readEvent("jwt error").trim());
        }
    }

    @Test
    void emptyJtiListAnswers204() throws Exception
    {
        final HttpResponse<String> response = post(DENY, "{\"jtis\":[]}", KEY);

        assertEquals(204, response.statusCode(), response.body());
    }

    @Test
    void missingAuthorizationAnswers401WithBearerChallenge() throws Exception
    {
        final HttpResponse<String> response = post(DENY, "{\"jtis\":[\"a\"]}", null);

        assertEquals(401, response.statusCode());
        assertEquals("{\"error\":\"The required authorization heads were not present in the request.\"}", response.body());
        assertEquals("Bearer", response.headers().firstValue("WWW-Authenticate").orElse(null));
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertCors(response);
    }

    @Test
    void nonBearerAuthorizationAnswers401() throws Exception
    {
        final HttpResponse<String> response = send(request(DENY)
            .header("Authorization", "Basic " + KEY)
            .POST(HttpRequest.BodyPublishers.ofString("{\"jtis\":[\"a\"]}")));

        assertEquals(401, response.statusCode());
        assertEquals("Bearer", response.headers().firstValue("WWW-Authenticate").orElse(null));
    }

    @Test
    void wrongTokenAnswers403() throws Exception
    {
        final HttpResponse<String> response = post(DENY, "{\"jtis\":[\"a\"]}", KEY + "x");

        assertEquals(403, response.statusCode());
        assertEquals("{\"error\":\"You are not authorized to access this endpoint.\"}", response.body());
        assertTrue(response.headers().firstValue("WWW-Authenticate").isEmpty());
        assertCors(response);
    }

    @Test
    void unknownServerAnswers404WithTheWingsBody() throws Exception
    {
        final HttpResponse<String> response = post("/api/servers/" + UNKNOWN_SERVER + "/ws/deny", "{\"jtis\":[\"a\"]}", KEY);

        assertEquals(404, response.statusCode());
        assertEquals(NOT_FOUND, response.body());
        assertCors(response);
    }

    @Test
    void authorizationIsCheckedBeforeTheServerExists() throws Exception
    {
        final HttpResponse<String> response = post("/api/servers/" + UNKNOWN_SERVER + "/ws/deny", "{\"jtis\":[\"a\"]}", null);

        assertEquals(401, response.statusCode());
    }

    @Test
    void getAnswers405NamingPost() throws Exception
    {
        final HttpResponse<String> response = send(request(DENY).header("Authorization", "Bearer " + KEY).GET());

        assertEquals(405, response.statusCode());
        assertEquals("POST", response.headers().firstValue("Allow").orElse(null));
        assertEquals("{\"error\":\"Method GET is not allowed on this route; use POST.\"}", response.body());
        assertCors(response);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"jtis\":\"x\"}", "{\"jtis\":[1]}", "{\"jtis\":[\"a\",null]}", "not json", "{\"jtis\":[\"a\"]", "[]", "{}", ""})
    void badBodyAnswers400(final String body) throws Exception
    {
        final HttpResponse<String> response = post(DENY, body, KEY);

        assertEquals(400, response.statusCode(), body);
        assertEquals(BAD_BODY, response.body());
        assertCors(response);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/systems", "/api/servers/" + SERVER + "/stop", "/api/servers//ws/deny", "/api/servers/a/b/ws/deny",
        "/api/servers/", "/api/servers/" + SERVER + "/power/", "/metrics/x", "/console", "/assets/missing.js"})
    void unknownRouteAnswers404(final String path) throws Exception
    {
        final HttpResponse<String> response = post(path, "{}", KEY);

        assertEquals(404, response.statusCode(), path);
        assertEquals(NOT_FOUND, response.body());
        assertCors(response);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET /api/system", "GET /metrics", "GET /api/servers", "POST /api/servers",
        "POST /api/deauthorize-user", "GET /api/servers/" + SERVER, "DELETE /api/servers/" + SERVER,
        "POST /api/servers/" + SERVER + "/power", "POST /api/servers/" + SERVER + "/commands",
        "GET /api/servers/" + SERVER + "/logs", "POST /api/servers/" + SERVER + "/sync",
        "POST /api/servers/" + SERVER + "/install", "POST /api/servers/" + SERVER + "/reinstall"})
    void everyRouteNeedsTheNodeToken(final String route) throws Exception
    {
        final String[] parts = route.split(" ");
        final HttpRequest.Builder request = request(parts[1]).method(parts[0], HttpRequest.BodyPublishers.ofString("{}"));

        final HttpResponse<String> missing = send(request);
        final HttpResponse<String> wrong = send(request(parts[1])
            .header("Authorization", "Bearer " + KEY + "x")
            .method(parts[0], HttpRequest.BodyPublishers.ofString("{}")));

        assertEquals(401, missing.statusCode(), route);
        assertEquals("{\"error\":\"The required authorization heads were not present in the request.\"}", missing.body());
        assertEquals(403, wrong.statusCode(), route);
        assertEquals("{\"error\":\"You are not authorized to access this endpoint.\"}", wrong.body());
        assertTrue(daemon.server(SERVER) != null, "nothing was deleted");
    }

    @Test
    void wrongMethodAnswers405WithEveryAllowedMethod() throws Exception
    {
        final HttpResponse<String> servers = send(request("/api/servers").header("Authorization", "Bearer " + KEY)
            .PUT(HttpRequest.BodyPublishers.ofString("{}")));
        final HttpResponse<String> server = send(request("/api/servers/" + SERVER).header("Authorization", "Bearer " + KEY)
            .POST(HttpRequest.BodyPublishers.ofString("{}")));
        final HttpResponse<String> websocket = send(request("/api/servers/" + SERVER + "/ws").header("Authorization", "Bearer " + KEY)
            .POST(HttpRequest.BodyPublishers.ofString("{}")));

        assertEquals(405, servers.statusCode());
        assertEquals("GET, POST", servers.headers().firstValue("Allow").orElse(null));
        assertEquals("{\"error\":\"Method PUT is not allowed on this route; use GET, POST.\"}", servers.body());
        assertEquals(405, server.statusCode());
        assertEquals("GET, DELETE", server.headers().firstValue("Allow").orElse(null));
        assertEquals(405, websocket.statusCode());
        assertEquals("GET", websocket.headers().firstValue("Allow").orElse(null));
    }

    @Test
    void systemDescribesTheNode() throws Exception
    {
        final HttpResponse<String> response = send(request("/api/system").header("Authorization", "Bearer " + KEY).GET());

        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertTrue(response.body().matches("\\{\"version\":\"[^\"]+\",\"kernel_version\":\"[^\"]*\",\"architecture\":\"[a-z0-9_]+\","
            + "\"os\":\"linux\",\"cpu_count\":" + Runtime.getRuntime().availableProcessors() + ",\"memory_bytes\":[1-9][0-9]*,"
            + "\"uptime_seconds\":[0-9]+}"), response.body());
    }

    @Test
    void oversizedBodyAnswers413() throws Exception
    {
        final HttpResponse<String> response = post("/api/servers", "{\"invocation\":\"" + "x".repeat(300 * 1024) + "\"}", KEY);

        assertEquals(413, response.statusCode());
        assertEquals("{\"error\":\"The request body is larger than 262144 bytes.\"}", response.body());
    }

    @Test
    void oversizedChunkedBodyAnswers413() throws Exception
    {
        final byte[] body = ("{\"invocation\":\"" + "x".repeat(300 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);

        final HttpResponse<String> response = send(request("/api/servers")
            .header("Authorization", "Bearer " + KEY)
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))));

        assertEquals(413, response.statusCode(), response.body());
        assertEquals("{\"error\":\"The request body is larger than 262144 bytes.\"}", response.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u00ff\u00fe", "{\"a\":1,\"a\":2}", "{\"a\":", "\"text\"", "null", ""})
    void malformedBodiesAnswer400BeforeAnyRouteRuns(final String body) throws Exception
    {
        for (final String path : new String[]{"/api/servers", "/api/servers/" + SERVER + "/sync",
            "/api/servers/" + SERVER + "/commands", "/api/deauthorize-user"})
        {
            final HttpResponse<String> response = send(request(path)
                .header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.getBytes(StandardCharsets.ISO_8859_1))));

            assertEquals(400, response.statusCode(), path + " " + body);
            assertTrue(response.body().startsWith("{\"error\":\"The request body "), response.body());
        }
    }

    @Test
    void corsAllowsTheRemoteWhateverTheRequestOrigin() throws Exception
    {
        final HttpResponse<String> response = send(request(DENY)
            .header("Origin", "https://elsewhere.test")
            .POST(HttpRequest.BodyPublishers.ofString("{\"jtis\":[]}")));

        assertEquals(401, response.statusCode());
        assertCors(response);
    }

    private void advanceSeconds(final long seconds)
    {
        nanos.addAndGet(seconds * 1_000_000_000L);
    }

    private static String auth(final String jwt)
    {
        return "{\"event\":\"auth\",\"args\":[\"" + jwt + "\"]}";
    }

    /** The CORS headers of Wings' middleware (PROTOCOL.md §1.1) with {@code remote} as the allowed origin. */
    private static void assertCors(final HttpResponse<String> response)
    {
        assertEquals(PANEL, response.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals("true", response.headers().firstValue("Access-Control-Allow-Credentials").orElse(null));
        assertEquals("GET, POST, PATCH, PUT, DELETE, OPTIONS", response.headers().firstValue("Access-Control-Allow-Methods").orElse(null));
        assertEquals(
            "Accept, Accept-Encoding, Authorization, Cache-Control, Content-Type, Content-Length, Origin, X-Real-IP, X-CSRF-Token",
            response.headers().firstValue("Access-Control-Allow-Headers").orElse(null));
        assertEquals("7200", response.headers().firstValue("Access-Control-Max-Age").orElse(null));
        assertFalse(response.headers().firstValue("Access-Control-Request-Private-Network").isPresent());
    }

    private HttpResponse<String> post(final String path, final String body, final String bearer) throws Exception
    {
        final HttpRequest.Builder request = request(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null)
        {
            request.header("Authorization", "Bearer " + bearer);
        }
        return send(request);
    }

    private HttpRequest.Builder request(final String path)
    {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port() + path)).timeout(Duration.ofSeconds(5));
    }

    private HttpResponse<String> send(final HttpRequest.Builder request) throws Exception
    {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
