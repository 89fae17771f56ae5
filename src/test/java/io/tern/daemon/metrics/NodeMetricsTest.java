package io.tern.daemon.metrics;

import io.tern.daemon.api.ApiNode;
import io.tern.engine.server.ServerState;
import io.tern.transport.testing.RawWebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /metrics} on a real daemon after real websocket traffic: every family is present with
 * its {@code # TYPE}, and the counters moved by that traffic show it.
 */
class NodeMetricsTest
{
    private static final String S = "8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10";
    private static final String T = "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d";
    private static final List<String> FAMILIES = List.of(
        "tern_sessions_open gauge", "tern_sessions_authenticated gauge", "tern_frames_in_total counter",
        "tern_frames_out_total counter", "tern_rate_limited_total counter", "tern_dropped_lines_total counter",
        "tern_broadcast_laps_total counter", "tern_inbound_ring_used gauge", "tern_inbound_ring_capacity gauge",
        "tern_inbound_overflows_total counter", "tern_server_state gauge", "tern_server_suspended gauge");

    @TempDir
    Path directory;
    private ApiNode node;

    @AfterEach
    void stop() throws Exception
    {
        if (node != null)
        {
            node.close();
        }
    }

    @Test
    void exposesEveryFamilyAfterTraffic() throws Exception
    {
        node = ApiNode.start(directory, ApiNode.catServer(S)
            + "  - {uuid: " + T + ", invocation: 'exec cat', suspended: true}\n");
        assertEquals(202, node.post("/api/servers/" + S + "/power", "{\"action\":\"start\"}").statusCode());
        ApiNode.await(() -> node.daemon().server(S).state() == ServerState.RUNNING, "running");
        final RawWebSocketClient client = node.authenticated(S, ApiNode.USER);
        node.connect(S);
        client.sendText("{\"event\":\"send stats\",\"args\":[null]}");
        client.readEvent("stats");
        client.sendText("{\"event\":\"send command\",\"args\":[\"hello\"]}");
        client.readEvent("console output");
        client.sendText("not json");
        for (int i = 0; i < 12; i++)
        {
            client.sendText("{\"event\":\"send stats\",\"args\":[null]}");
        }
        client.readEvent("throttled");

        final String text = awaitScrape("tern_frames_out_total{event=\"throttled\"} ");

        for (final String family : FAMILIES)
        {
            assertTrue(text.contains("\n# TYPE " + family + "\n"), family + " in\n" + text);
        }
        assertTrue(text.contains("\ntern_sessions_open 2\n"), text);
        assertTrue(text.contains("\ntern_sessions_authenticated 1\n"), text);
        assertTrue(text.contains("\ntern_frames_in_total{event=\"auth\"} 1\n"), text);
        assertTrue(text.contains("\ntern_frames_in_total{event=\"send command\"} 1\n"), text);
        assertTrue(text.contains("\ntern_frames_in_total{event=\"invalid\"} 1\n"), text);
        assertTrue(text.contains("\ntern_frames_out_total{event=\"auth success\"} 1\n"), text);
        assertTrue(text.matches("(?s).*\ntern_frames_out_total\\{event=\"throttled\"} [1-9][0-9]*\n.*"), text);
        assertTrue(text.matches("(?s).*\ntern_rate_limited_total\\{limiter=\"global\"} [1-9][0-9]*\n.*"), text);
        assertTrue(text.contains("\ntern_inbound_ring_capacity 4096\n"), text);
        assertTrue(text.contains("\ntern_inbound_overflows_total 0\n"), text);
        assertTrue(text.contains("\ntern_server_state{server=\"" + S + "\",state=\"running\"} 1\n"), text);
        assertTrue(text.contains("\ntern_server_state{server=\"" + S + "\",state=\"offline\"} 0\n"), text);
        assertTrue(text.contains("\ntern_server_state{server=\"" + T + "\",state=\"offline\"} 1\n"), text);
        assertTrue(text.contains("\ntern_server_suspended{server=\"" + S + "\"} 0\n"), text);
        assertTrue(text.contains("\ntern_server_suspended{server=\"" + T + "\"} 1\n"), text);
        assertTrue(text.indexOf("server=\"" + T + "\"") < text.indexOf("server=\"" + S + "\""), "servers in uuid order");
    }

    @Test
    void needsTheNodeTokenAndIsPrometheusText() throws Exception
    {
        node = ApiNode.start(directory, ApiNode.catServer(S));

        final HttpResponse<String> anonymous = node.send("GET", "/metrics", null, null);
        final HttpResponse<String> scrape = node.get("/metrics");

        assertEquals(401, anonymous.statusCode());
        assertEquals(200, scrape.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", scrape.headers().firstValue("Content-Type").orElse(null));
        assertTrue(scrape.body().startsWith("# HELP tern_sessions_open "), scrape.body());
        assertTrue(scrape.body().endsWith("\n"));
    }

    /** Scrapes until a sample line starting with {@code prefix} has a value above 0 (counters are published lazily). */
    private String awaitScrape(final String prefix) throws Exception
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (true)
        {
            final String text = node.get("/metrics").body();
            final int at = text.indexOf("\n" + prefix);
            if (at >= 0 && !text.startsWith("0\n", at + 1 + prefix.length()) || System.nanoTime() > deadline)
            {
                return text;
            }
            Thread.sleep(10);
        }
    }
}
