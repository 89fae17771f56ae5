package io.tern.daemon.e2e;

import io.tern.transport.testing.RawWebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.tern.daemon.e2e.TernNode.auth;
import static io.tern.daemon.e2e.TernNode.event;
import static io.tern.daemon.e2e.TernNode.origin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PROTOCOL.md §11 conformance cases 1–35 and 40, end to end: a real daemon on loopback, real child
 * processes, a raw websocket client. Part I replaces the Pterodactyl/Go-bug expectations (case 19
 * gets a {@code jwt error}; case 34 gets {@code token expired}).
 */
class ConformanceTest
{
    private static final String E = "Error Event \\[[0-9a-f-]{36}\\]: ";
    private static final String GENERIC = "an unexpected error was encountered while handling this request";

    @TempDir
    Path directory;

    private final String s = TernNode.uuid();
    private TernNode node;

    @AfterEach
    void stop() throws Exception
    {
        if (node != null)
        {
            node.close();
        }
    }

    private TernNode start(final TernNode.Builder builder) throws Exception
    {
        node = builder.start(directory);
        return node;
    }

    private TernNode startWithCat() throws Exception
    {
        return start(TernNode.builder().server(s, TernNode.CAT, "ready"));
    }

    private static String strip(final String frame)
    {
        return frame.trim().replaceAll(E, "<E>");
    }

    @Test
    void case01UnknownServerIs404WithWingsBody() throws Exception
    {
        startWithCat();
        final RawWebSocketClient.HttpResponse response = node.client().upgrade("/api/servers/unknown/ws", origin(TernNode.PANEL));
        assertEquals(404, response.status());
        assertEquals("{\"error\":\"The requested resource does not exist on this instance.\"}", response.body().trim());
    }

    @Test
    void case02ForeignOriginIs403() throws Exception
    {
        startWithCat();
        assertEquals(403, node.client().upgrade("/api/servers/" + s + "/ws", origin("https://evil.test")).status());
    }

    @Test
    void case03AnyOriginWithStar() throws Exception
    {
        start(TernNode.builder().allowedOrigins("['*']").server(s, TernNode.CAT, "ready"));
        assertEquals(101, node.client().upgrade("/api/servers/" + s + "/ws", origin("https://evil.test")).status());
    }

    @Test
    void case04MissingOriginIs403() throws Exception
    {
        startWithCat();
        assertEquals(403, node.client().upgrade("/api/servers/" + s + "/ws", RawWebSocketClient.headers()).status());
    }

    @Test
    void case05ThirtyOneSocketsHitTheCapUntilOneCloses() throws Exception
    {
        startWithCat();
        final List<RawWebSocketClient> open = new ArrayList<>();
        for (int i = 0; i < 30; i++)
        {
            open.add(node.connect(s));
        }
        final RawWebSocketClient.HttpResponse refused = node.client().upgrade("/api/servers/" + s + "/ws", origin(TernNode.PANEL));
        assertEquals(400, refused.status());
        assertEquals("{\"error\":\"Too many open websocket connections.\"}", refused.body().trim());
        open.get(0).sendClose(1000, "");
        open.get(0).readClose();
        TernNode.await(() -> node.daemon.engine().server(s).connections() < 30, "a connection slot to free up");
        node.connect(s);
    }

    @Test
    void case06PermessageDeflateIsNegotiatedAndFramesArriveCompressed() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.client();
        final RawWebSocketClient.HttpResponse response = client.upgrade("/api/servers/" + s + "/ws",
            RawWebSocketClient.headers("Origin", TernNode.PANEL, "Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"));
        assertEquals(101, response.status());
        assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            response.header("Sec-WebSocket-Extensions"));
        client.sendText(auth(node.token(s, "*")), true);
        final RawWebSocketClient.Frame frame = client.readMessage();
        assertTrue(frame.rsv1(), "the frame is compressed");
        assertEquals("{\"event\":\"auth success\"}", frame.text().trim());
    }

    @Test
    void case07SuspendedServerClosesWith4409AndNoDataFrames() throws Exception
    {
        start(TernNode.builder().server(s, TernNode.CAT, "signal", "SIGTERM", true, "ready"));
        final RawWebSocketClient client = node.connect(s);
        final RawWebSocketClient.Frame close = client.readMessage();
        assertEquals(RawWebSocketClient.CLOSE, close.opcode());
        assertEquals(4409, close.closeCode());
        assertEquals("server is suspended", close.closeReason());
    }

    @Test
    void case08EventBeforeAuthGetsNoJwtPresent() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.connect(s);
        client.sendText(event("send stats", null));
        assertEquals("{\"event\":\"jwt error\",\"args\":[\"jwt: no jwt present\"]}", client.readText().trim());
    }

    @Test
    void case09InvalidJsonIsIgnoredAndAuthStillWorks() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.connect(s);
        client.sendText("not json");
        client.sendText(auth(node.token(s, "*")));
        assertEquals("{\"event\":\"auth success\"}", client.readText().trim());
    }

    @Test
    void case10And11BadTokensAreGenericDaemonErrors() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.connect(s);
        client.sendText(auth("abc"));
        assertEquals("{\"event\":\"daemon error\",\"args\":[\"<E>" + GENERIC + "\"]}", strip(client.readText()));
        final String otherKey = new io.tern.daemon.token.TokenMinter("some-other-key-0000000000000000".getBytes(StandardCharsets.UTF_8), "x")
            .mint(s, TernNode.USER, List.of("*"), node.daemon.bootEpochSeconds() + 1, Duration.ofMinutes(10));
        client.sendText(auth(otherKey));
        assertEquals("{\"event\":\"daemon error\",\"args\":[\"<E>" + GENERIC + "\"]}", strip(client.readText()));
    }

    @Test
    void case12ExpiredToken() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.connect(s);
        final long now = node.clock.epochSeconds();
        client.sendText(auth(node.token(s, now - 605, Duration.ofSeconds(600), "*")));
        assertEquals("{\"event\":\"jwt error\",\"args\":[\"<E>jwt: exp claim is invalid\"]}", strip(client.readText()));
    }

    @Test
    void case13MissingConnectPermission() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.connect(s);
        client.sendText(auth(node.token(s, "control.console")));
        assertEquals("{\"event\":\"jwt error\",\"args\":[\"<E>jwt: missing connect permission\"]}", strip(client.readText()));
    }

    @Test
    void case14MissingScopeWhenScopeIsRequired() throws Exception
    {
        start(TernNode.builder().yaml("jwt: {require_scope: true}").server(s, TernNode.CAT, "ready"));
        final String noScope = com.auth0.jwt.JWT.create()
            .withClaim("server_uuid", s).withClaim("user_uuid", TernNode.USER).withJWTId("j")
            .withArrayClaim("permissions", new String[] {"*"})
            .withIssuedAt(new java.util.Date((node.daemon.bootEpochSeconds() + 1) * 1000))
            .withExpiresAt(new java.util.Date((node.daemon.bootEpochSeconds() + 600) * 1000))
            .sign(com.auth0.jwt.algorithms.Algorithm.HMAC256(TernNode.KEY.getBytes(StandardCharsets.UTF_8)));
        final RawWebSocketClient client = node.connect(s);
        client.sendText(auth(noScope));
        assertEquals("{\"event\":\"jwt error\",\"args\":[\"<E>jwt: missing connect permission\"]}", strip(client.readText()));
    }

    @Test
    void case15TokenIssuedBeforeBootIsDenylisted() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.connect(s);
        client.sendText(auth(node.token(s, node.daemon.bootEpochSeconds() - 10, Duration.ofMinutes(10), "*")));
        assertEquals("{\"event\":\"jwt error\",\"args\":[\"<E>jwt: created too far in past (denylist)\"]}", strip(client.readText()));
    }

    @Test
    void case16FirstAuthOfflineSendsSuccessStatusAndStats() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.connect(s);
        client.sendText(auth(node.token(s, "*")));
        assertEquals("{\"event\":\"auth success\"}", client.readText().trim());
        assertEquals("{\"event\":\"status\",\"args\":[\"offline\"]}", client.readText().trim());
        final String stats = client.readText().trim();
        assertTrue(stats.startsWith("{\"event\":\"stats\",\"args\":[\"{\\\"memory_bytes\\\":0,"), stats);
        assertTrue(stats.contains("\\\"state\\\":\\\"offline\\\""), stats);
    }

    @Test
    void case17RunningServerStreamsStatsAboutOncePerSecond() throws Exception
    {
        startWithCat();
        node.startAndAwaitRunning(s);
        final RawWebSocketClient client = node.connect(s);
        client.sendText(auth(node.token(s, "*")));
        assertEquals("{\"event\":\"auth success\"}", client.readText().trim());
        assertEquals("{\"event\":\"status\",\"args\":[\"running\"]}", client.readText().trim());
        final long started = System.nanoTime();
        client.readEvent("stats");
        client.readEvent("stats");
        final long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(elapsedMillis < 3000, "two stats frames took " + elapsedMillis + " ms");
    }

    @Test
    void case18ReauthGetsOnlyAuthSuccess() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.authenticated(s, "*");
        client.sendText(auth(node.token(s, "*")));
        assertEquals("{\"event\":\"auth success\"}", client.readText().trim());
        client.sendText(event("send stats", null));
        assertTrue(client.readText().startsWith("{\"event\":\"stats\""), "nothing else came before the stats reply");
    }

    @Test
    void case19TokenForAnotherServerIsAJwtError() throws Exception
    {
        final String other = TernNode.uuid();
        start(TernNode.builder().server(s, TernNode.CAT, "ready").server(other, TernNode.CAT, "ready"));
        final RawWebSocketClient client = node.connect(s);
        client.sendText(auth(node.token(other, "*")));
        assertEquals("{\"event\":\"jwt error\",\"args\":[\"<E>jwt: server uuid mismatch\"]}", strip(client.readText()));
    }

    @Test
    void case20SendLogsOfflineGetsNoFrame() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.authenticated(s, "*");
        client.sendText(event("send logs", null));
        client.sendText(event("send stats", null));
        assertTrue(client.readText().startsWith("{\"event\":\"stats\""), "no console output came first");
    }

    @Test
    void case21SendLogsReplaysTheLast150Lines() throws Exception
    {
        start(TernNode.builder().server(s, "echo ready; seq 1 200; exec cat", "ready"));
        node.startAndAwaitRunning(s);
        TernNode.await(() -> historyContains("200"), "200 lines in the history");
        final RawWebSocketClient client = node.authenticated(s, "*");
        client.sendText(event("send logs", null));
        for (int line = 51; line <= 200; line++)
        {
            assertEquals("{\"event\":\"console output\",\"args\":[\"" + line + "\"]}", client.readEvent("console output").trim());
        }
    }

    private boolean historyContains(final String line)
    {
        final List<String> lines = new ArrayList<>();
        node.server(s).replayHistory((bytes, offset, length) -> lines.add(new String(bytes, offset, length, StandardCharsets.UTF_8)));
        return lines.contains(line);
    }

    @Test
    void case22And23SendCommandNeedsConsolePermissionAndJoinsArgs() throws Exception
    {
        startWithCat();
        node.startAndAwaitRunning(s);
        final RawWebSocketClient viewer = node.authenticated(s, "websocket.connect");
        viewer.sendText(event("send command", "say viewer"));
        final RawWebSocketClient operator = node.authenticated(s, "websocket.connect", "control.console");
        operator.sendText("{\"event\":\"send command\",\"args\":[\"say \",\"hi\"]}");
        assertEquals("{\"event\":\"console output\",\"args\":[\"say hi\"]}", operator.readEvent("console output").trim());
        assertFalse(historyContains("say viewer"), "the viewer's command never reached the process");
    }

    @Test
    void case24SetStateWithoutPermissionDoesNothing() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.authenticated(s, "websocket.connect");
        client.sendText(event("set state", "start"));
        client.sendText(event("send stats", null));
        assertTrue(client.readText().startsWith("{\"event\":\"stats\""));
        assertEquals(io.tern.engine.server.ServerState.OFFLINE, node.server(s).state());
    }

    @Test
    void case25StartPrintsDaemonLinesThenStartingThenRunning() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.authenticated(s, "*");
        client.sendText(event("set state", "start"));
        final List<String> frames = new ArrayList<>();
        String frame;
        do
        {
            frame = client.readText().trim();
            frames.add(frame);
        }
        while (!frame.equals("{\"event\":\"status\",\"args\":[\"running\"]}"));
        assertTrue(frames.stream().anyMatch(f -> f.contains("[Tern Daemon]:")), frames.toString());
        assertTrue(frames.indexOf("{\"event\":\"status\",\"args\":[\"starting\"]}") >= 0, frames.toString());
        assertTrue(frames.indexOf("{\"event\":\"console output\",\"args\":[\"ready\"]}")
            > frames.indexOf("{\"event\":\"status\",\"args\":[\"starting\"]}"), frames.toString());
    }

    @Test
    void case26StartWhileRunningIsAnError() throws Exception
    {
        startWithCat();
        node.startAndAwaitRunning(s);
        final RawWebSocketClient owner = node.authenticated(s, "*");
        owner.sendText(event("set state", "start"));
        assertEquals("{\"event\":\"daemon error\",\"args\":[\"<E>" + GENERIC + "\"]}", strip(owner.readEvent("daemon error")));
        final RawWebSocketClient admin = node.authenticated(s, "*", "admin.websocket.errors");
        admin.sendText(event("set state", "start"));
        assertEquals("{\"event\":\"daemon error\",\"args\":[\"<E>server is running\"]}", strip(admin.readEvent("daemon error")));
    }

    @Test
    void case27PowerActionDuringAStopIsRefusedByTheLock() throws Exception
    {
        start(TernNode.builder().server(s, TernNode.STUBBORN, "command", "stop", false, "ready"));
        node.startAndAwaitRunning(s);
        final RawWebSocketClient client = node.authenticated(s, "*");
        client.sendText(event("set state", "stop"));
        assertEquals("{\"event\":\"status\",\"args\":[\"stopping\"]}", client.readEvent("status").trim());
        client.sendText(event("set state", "restart"));
        assertEquals("{\"event\":\"daemon error\",\"args\":[\"<E>another power action is currently being processed for this server, please try again later\"]}",
            strip(client.readEvent("daemon error")));
        client.sendText(event("set state", "kill"));
        assertEquals("{\"event\":\"status\",\"args\":[\"offline\"]}", client.readEvent("status").trim());
    }

    @Test
    void case28KillGoesStoppingOfflineWithZeroedStats() throws Exception
    {
        startWithCat();
        node.startAndAwaitRunning(s);
        final RawWebSocketClient client = node.authenticated(s, "websocket.connect", "control.stop");
        client.sendText(event("set state", "kill"));
        assertEquals("{\"event\":\"status\",\"args\":[\"stopping\"]}", client.readEvent("status").trim());
        assertEquals("{\"event\":\"status\",\"args\":[\"offline\"]}", client.readEvent("status").trim());
        String stats;
        do
        {
            stats = client.readEvent("stats");
        }
        while (!stats.contains("\\\"state\\\":\\\"offline\\\""));
        assertTrue(stats.contains("\\\"memory_bytes\\\":0,") && stats.contains("\\\"cpu_absolute\\\":0,") && stats.contains("\\\"uptime\\\":0,"), stats);
    }

    @Test
    void case29ThirdAuthWithinTheBurstIsThrottled() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.connect(s);
        final String jwt = node.token(s, "*");
        for (int i = 0; i < 4; i++)
        {
            client.sendText(auth(jwt));
        }
        client.sendText(event("send stats", null));
        final List<String> frames = new ArrayList<>();
        String frame;
        do
        {
            frame = client.readText().trim();
            frames.add(frame);
        }
        while (!frame.startsWith("{\"event\":\"stats\"") || frames.size() < 4);
        assertEquals("{\"event\":\"auth success\"}", frames.get(0));
        assertEquals("{\"event\":\"status\",\"args\":[\"offline\"]}", frames.get(1));
        assertTrue(frames.get(2).startsWith("{\"event\":\"stats\""));
        assertEquals("{\"event\":\"auth success\"}", frames.get(3));
        assertEquals("{\"event\":\"throttled\",\"args\":[\"auth\"]}", frames.get(4));
        assertTrue(frames.get(5).startsWith("{\"event\":\"stats\""), frames.toString());
    }

    @Test
    void case30FiveSendStatsGetFourStatsAndOneThrottled() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.authenticated(s, "*");
        for (int i = 0; i < 5; i++)
        {
            client.sendText(event("send stats", null));
        }
        for (int i = 0; i < 4; i++)
        {
            assertTrue(client.readText().startsWith("{\"event\":\"stats\""));
        }
        assertEquals("{\"event\":\"throttled\",\"args\":[\"send stats\"]}", client.readText().trim());
    }

    @Test
    void case31TwelveInvalidFramesGetExactlyOneGlobalThrottle() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.connect(s);
        for (int i = 0; i < 12; i++)
        {
            client.sendText("x");
        }
        assertEquals("{\"event\":\"throttled\",\"args\":[\"global\"]}", client.readText().trim());
        node.clock.advanceSeconds(3);
        client.sendText(auth(node.token(s, "*")));
        assertEquals("{\"event\":\"auth success\"}", client.readText().trim(), "nothing else came in between");
    }

    @Test
    void case32BinaryFramesAreIgnored() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.connect(s);
        client.sendBinary(auth(node.token(s, "*")).getBytes(StandardCharsets.UTF_8));
        client.sendText(event("send stats", null));
        assertEquals("{\"event\":\"jwt error\",\"args\":[\"jwt: no jwt present\"]}", client.readText().trim());
    }

    @Test
    void case33OversizedFrameIsClosedWith1009() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.connect(s);
        client.sendText("x".repeat(5000));
        final RawWebSocketClient.Frame close = client.readClose();
        assertEquals(1009, close.closeCode());
        assertEquals("", close.closeReason());
        assertTrue(client.awaitEndOfStream());
    }

    @Test
    void case34TokenExpiringThenTokenExpired() throws Exception
    {
        startWithCat();
        final RawWebSocketClient client = node.connect(s);
        client.sendText(auth(node.token(s, node.daemon.bootEpochSeconds() + 1, Duration.ofSeconds(45), "*")));
        client.readEvent("stats");
        assertEquals("{\"event\":\"token expiring\"}", client.readText().trim());
        node.clock.advanceSeconds(50);
        assertEquals("{\"event\":\"token expired\"}", client.readText().trim());
    }

    @Test
    void case35DeniedJtiGetsTheDenylistErrorAndALaterTokenWithTheSameJtiWorks() throws Exception
    {
        startWithCat();
        final String jti = "4c1d9a7e0b2f";
        final RawWebSocketClient client = node.connect(s);
        client.sendText(auth(node.tokenWithJti(s, node.daemon.bootEpochSeconds() + 1, jti)));
        client.readEvent("stats");
        node.clock.advanceSeconds(2);
        final HttpResponse<String> denied = node.post("/api/servers/" + s + "/ws/deny", "{\"jtis\":[\"" + jti + "\"]}", TernNode.KEY);
        assertEquals(204, denied.statusCode(), denied.body());
        client.sendText(event("send stats", null));
        assertEquals("{\"event\":\"jwt error\",\"args\":[\"jwt: created too far in past (denylist)\"]}", client.readText().trim());
        node.clock.advanceSeconds(3);
        client.sendText(auth(node.tokenWithJti(s, node.clock.epochSeconds(), jti)));
        assertEquals("{\"event\":\"auth success\"}", client.readEvent("auth success").trim());
    }

    @Test
    void case40ConsoleFloodIsThrottledWithOneNoticeAndHistoryKeepsTheDroppedLines() throws Exception
    {
        start(TernNode.builder().logCount(150).server(s, "echo ready; read go; seq 1 2500; echo end-of-burst; exec cat", "ready"));
        node.startAndAwaitRunning(s);
        final RawWebSocketClient client = node.authenticated(s, "*");
        client.sendText(event("send command", "go"));
        int lines = 0;
        int notices = 0;
        final String notice = "{\"event\":\"console output\",\"args\":[\"\\u001b[33m\\u001b[1m[Tern Daemon]:\\u001b[39m "
            + "Server is outputting console data too quickly -- throttling...\\u001b[0m\"]}";
        TernNode.await(() -> historyContains("end-of-burst"), "the burst to end");
        node.daemon.engine().server(s).channel().publishDaemonMessage("marker");
        while (true)
        {
            final String frame = client.readText().trim();
            if (frame.equals("{\"event\":\"daemon message\",\"args\":[\"marker\"]}"))
            {
                break;
            }
            if (frame.equals(notice))
            {
                notices++;
            }
            else if (frame.matches("\\{\"event\":\"console output\",\"args\":\\[\"[0-9]+\"\\]\\}"))
            {
                lines++;
            }
        }
        assertEquals(1, notices, lines + " burst lines, " + notices + " notices");
        assertEquals(2000 - 1, lines, "the window's 2000 lines, less the 'ready' line before the burst");
        client.sendText(event("send logs", null));
        assertEquals("{\"event\":\"console output\",\"args\":[\"2352\"]}", client.readEvent("console output").trim());
    }
}
