package io.tern.daemon.e2e;

import io.tern.engine.server.ServerState;
import io.tern.transport.testing.RawWebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

import static io.tern.daemon.e2e.TernNode.auth;
import static io.tern.daemon.e2e.TernNode.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One end-to-end test per PROTOCOL.md Part I.3 improvement over Wings (and I.2's token at the
 * upgrade), against a real daemon with real processes over loopback.
 */
class ImprovementsTest
{
    private static final String E = "Error Event \\[[0-9a-f-]{36}\\]: ";
    /** For tests that jump the clock by minutes: no ping timeout in between. */
    private static final String NO_PINGS = "websocket.ping_interval=1h\nwebsocket.pong_timeout=2h\n";

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

    private static String strip(final String frame)
    {
        return frame.trim().replaceAll(E, "<E>");
    }

    @Test
    void tokenAtTheUpgradeAuthenticatesAtOpenAndABadOneIs401() throws Exception
    {
        node = TernNode.builder().server(s, TernNode.CAT, "ready").start(directory);
        final RawWebSocketClient query = node.client();
        assertEquals(101, query.upgrade("/api/servers/" + s + "/ws?token=" + node.token(s, "*"), TernNode.origin(TernNode.PANEL)).status());
        assertEquals("{\"event\":\"auth success\"}", query.readText().trim());
        assertEquals("{\"event\":\"status\",\"args\":[\"offline\"]}", query.readText().trim());

        final RawWebSocketClient bearer = node.client();
        assertEquals(101, bearer.upgrade("/api/servers/" + s + "/ws",
            RawWebSocketClient.headers("Origin", TernNode.PANEL, "Authorization", "Bearer " + node.token(s, "*"))).status());
        assertEquals("{\"event\":\"auth success\"}", bearer.readText().trim());

        final RawWebSocketClient.HttpResponse refused = node.client().upgrade("/api/servers/" + s + "/ws?token=abc", TernNode.origin(TernNode.PANEL));
        assertEquals(401, refused.status());
        assertTrue(refused.body().contains("\"error\""), refused.body());
    }

    @Test
    void orderedMessagesAndKillDuringALongStopIsStillServed() throws Exception
    {
        node = TernNode.builder().server(s, TernNode.STUBBORN, "command", "stop", false, "ready").start(directory);
        node.startAndAwaitRunning(s);
        final RawWebSocketClient client = node.authenticated(s, "*");
        for (int i = 0; i < 8; i++)
        {
            client.sendText(event("send command", "line-" + i));
        }
        for (int i = 0; i < 8; i++)
        {
            assertEquals("{\"event\":\"console output\",\"args\":[\"line-" + i + "\"]}", client.readEvent("console output").trim());
        }
        node.clock.advanceSeconds(5);
        client.sendText(event("set state", "stop"));
        client.sendText(event("set state", "kill"));
        assertEquals("{\"event\":\"status\",\"args\":[\"stopping\"]}", client.readEvent("status").trim());
        assertEquals("{\"event\":\"status\",\"args\":[\"offline\"]}", client.readEvent("status").trim());
    }

    @Test
    void strictJwtRejectsAlgNoneAndFutureNotBeforeAndKeepsThePreviousTokenOnMismatch() throws Exception
    {
        final String other = TernNode.uuid();
        node = TernNode.builder().server(s, TernNode.CAT, "ready").server(other, TernNode.CAT, "ready").start(directory);
        final RawWebSocketClient client = node.authenticated(s, "*", "admin.websocket.errors");
        final String[] parts = node.token(s, "*").split("\\.");
        final String none = Base64.getUrlEncoder().withoutPadding()
            .encodeToString("{\"typ\":\"JWT\",\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
        client.sendText(auth(none));
        assertEquals("{\"event\":\"daemon error\",\"args\":[\"<E>jwt: HMAC verification failed\"]}", strip(client.readText()));

        final String future = com.auth0.jwt.JWT.create()
            .withClaim("server_uuid", s).withClaim("user_uuid", TernNode.USER).withJWTId("j").withClaim("scope", "websocket")
            .withArrayClaim("permissions", new String[] {"*"})
            .withIssuedAt(new java.util.Date((node.daemon.bootEpochSeconds() + 1) * 1000))
            .withNotBefore(new java.util.Date((node.clock.epochSeconds() + 120) * 1000))
            .withExpiresAt(new java.util.Date((node.clock.epochSeconds() + 600) * 1000))
            .sign(com.auth0.jwt.algorithms.Algorithm.HMAC256(TernNode.KEY.getBytes(StandardCharsets.UTF_8)));
        node.clock.advanceSeconds(10);
        client.sendText(auth(future));
        assertEquals("{\"event\":\"jwt error\",\"args\":[\"<E>jwt: exp claim is invalid\"]}", strip(client.readText()));

        node.clock.advanceSeconds(10);
        client.sendText(auth(node.token(other, "*")));
        assertEquals("{\"event\":\"jwt error\",\"args\":[\"<E>jwt: server uuid mismatch\"]}", strip(client.readText()));
        client.sendText(event("send stats", null));
        assertTrue(client.readText().startsWith("{\"event\":\"stats\""), "the previous token still works");
    }

    @Test
    void expiredTokenGetsOneFrameNoFloodThenClose4401AfterTheGrace() throws Exception
    {
        node = TernNode.builder().profile(NO_PINGS)
            .server(s, "echo ready; while true; do echo tick; sleep 0.05; done", "ready").start(directory);
        node.startAndAwaitRunning(s);
        final RawWebSocketClient client = node.connect(s);
        client.sendText(auth(node.token(s, node.daemon.bootEpochSeconds() + 1, Duration.ofSeconds(120), "*")));
        client.readEvent("status");
        node.clock.advanceSeconds(125);
        assertEquals("{\"event\":\"token expired\"}", client.readEvent("token expired").trim());
        client.sendText(event("send stats", null));
        assertEquals("{\"event\":\"jwt error\",\"args\":[\"jwt: exp claim is invalid\"]}", client.readText().trim(),
            "console lines and stats stopped; the only frame is the reply");
        node.clock.advanceSeconds(61);
        final RawWebSocketClient.Frame close = client.readClose();
        assertEquals(4401, close.closeCode());
        assertEquals("token expired", close.closeReason());
    }

    @Test
    void daemonShutdownClosesSocketsWith1012() throws Exception
    {
        node = TernNode.builder().server(s, TernNode.CAT, "ready").start(directory);
        final RawWebSocketClient client = node.authenticated(s, "*");
        node.daemon.close();
        final RawWebSocketClient.Frame close = client.readClose();
        assertEquals(1012, close.closeCode());
        assertEquals("service restart", close.closeReason());
    }

    @Test
    void slowClientLosesOnlyItsOwnLinesIsToldHowManyAndOthersGetEverything() throws Exception
    {
        node = TernNode.builder()
            .throttleLines(1_000_000)
            .profile(NO_PINGS)
            .server(s, "echo ready; read go; seq 1 80 | while read i; do yes \"$(printf '%0900d' 0)\" | head -n 100; sleep 0.02; done;"
                + " echo end-of-flood; exec cat", "ready")
            .start(directory);
        node.startAndAwaitRunning(s);
        final RawWebSocketClient slow = node.authenticated(s, "*");
        final RawWebSocketClient healthy = node.authenticated(s, "*");
        healthy.sendText(event("send command", "go"));
        int received = 0;
        while (true)
        {
            final String frame = healthy.readEvent("console output");
            if (frame.contains("end-of-flood"))
            {
                break;
            }
            received++;
        }
        assertEquals(8000, received, "the healthy client got every line");
        int slowLines = 0;
        String notice = null;
        while (notice == null)
        {
            final String frame = slow.readText();
            if (frame.contains("\"event\":\"console output\""))
            {
                slowLines++;
            }
            else if (frame.contains("\"event\":\"daemon message\""))
            {
                notice = frame;
            }
        }
        assertTrue(slowLines < 8000, "the slow client lost lines: " + slowLines);
        assertTrue(notice.contains("console lines were not delivered"), notice);
    }

    @Test
    void unauthenticatedSocketIsClosedWith1008AfterTheAuthTimeout() throws Exception
    {
        node = TernNode.builder().server(s, TernNode.CAT, "ready").start(directory);
        final RawWebSocketClient client = node.connect(s);
        client.sendText(event("send stats", null));
        assertEquals("{\"event\":\"jwt error\",\"args\":[\"jwt: no jwt present\"]}", client.readText().trim(),
            "the session is open before the clock moves");
        node.clock.advanceSeconds(31);
        final RawWebSocketClient.Frame close = client.readClose();
        assertEquals(1008, close.closeCode());
    }

    @Test
    void serverPingsAndClosesAPeerThatNeverAnswers() throws Exception
    {
        node = TernNode.builder().server(s, TernNode.CAT, "ready").start(directory);
        final RawWebSocketClient client = node.authenticated(s, "*");
        node.clock.advanceSeconds(31);
        final RawWebSocketClient.Frame ping = client.readMessage();
        assertEquals(RawWebSocketClient.PING, ping.opcode());
        node.clock.advanceSeconds(30);
        final RawWebSocketClient.Frame close = client.readClose();
        assertEquals(1001, close.closeCode());
        assertEquals("ping timeout", close.closeReason());
    }

    @Test
    void compressionBombIsDroppedAndTheConnectionStaysOpen() throws Exception
    {
        node = TernNode.builder().server(s, TernNode.CAT, "ready").start(directory);
        final RawWebSocketClient client = node.client();
        assertEquals(101, client.upgrade("/api/servers/" + s + "/ws",
            RawWebSocketClient.headers("Origin", TernNode.PANEL, "Sec-WebSocket-Extensions", "permessage-deflate")).status());
        client.sendText("{\"event\":\"auth\",\"args\":[\"" + "a".repeat(40_000) + "\"]}", true);
        client.sendText(event("send stats", null), true);
        assertEquals("{\"event\":\"jwt error\",\"args\":[\"jwt: no jwt present\"]}", client.readText().trim());
    }

    @Test
    void unknownPowerActionAnswersWithoutTakingTheLock() throws Exception
    {
        node = TernNode.builder().server(s, TernNode.CAT, "ready").start(directory);
        final RawWebSocketClient client = node.authenticated(s, "*", "admin.websocket.errors");
        client.sendText(event("set state", "foo"));
        assertEquals("{\"event\":\"daemon error\",\"args\":[\"<E>attempting to handle unknown power action\"]}", strip(client.readText()));
        client.sendText(event("set state", "start"));
        assertEquals("{\"event\":\"status\",\"args\":[\"starting\"]}", client.readEvent("status").trim());
        TernNode.await(() -> node.server(s).state() == ServerState.RUNNING, "running");
    }

    @Test
    void statsBroadcastAndReplyShareOneShape() throws Exception
    {
        node = TernNode.builder().server(s, TernNode.CAT, "ready").start(directory);
        node.startAndAwaitRunning(s);
        final RawWebSocketClient client = node.authenticated(s, "*");
        final String broadcast = client.readEvent("stats");
        client.sendText(event("send stats", null));
        final String reply = client.readEvent("stats");
        assertEquals(keys(broadcast), keys(reply));
        assertTrue(keys(reply).startsWith("memory_bytes,memory_limit_bytes,cpu_absolute,network,rx_bytes,tx_bytes,disk_io,"), keys(reply));
    }

    private static String keys(final String statsFrame)
    {
        final java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\\\\\"([a-z_]+)\\\\\":").matcher(statsFrame);
        final StringBuilder keys = new StringBuilder();
        while (matcher.find())
        {
            keys.append(keys.length() == 0 ? "" : ",").append(matcher.group(1));
        }
        return keys.toString();
    }
}
