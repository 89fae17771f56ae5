package io.tern.daemon.api;

import io.tern.daemon.Daemon;
import io.tern.daemon.config.DaemonConfig;
import io.tern.daemon.config.PerfProfile;
import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.server.ManagedServer;
import io.tern.engine.server.ServerState;
import io.tern.transport.testing.RawWebSocketClient;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server registry routes on a real daemon: {@code GET /api/servers[/{uuid}]}, {@code POST
 * /api/servers}, {@code DELETE /api/servers/{uuid}} and {@code POST /api/servers/{uuid}/sync}, their
 * effect on connected websocket clients (PROTOCOL.md §7 deletion, Part I.3 item 4 closes) and the
 * config write-back that a daemon restart reads.
 */
class ServerRoutesTest
{
    private static final String S = "8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10";
    private static final String T = "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d";
    private static final String NEW = "5b0e6c1a-9d2f-4e3b-8a71-0c4d2e6f8a90";
    private static final String NOT_FOUND = "{\"error\":\"The requested resource does not exist on this instance.\"}";
    private static final String OFFLINE_USAGE_PREFIX = "{\"memory_bytes\":0,\"memory_limit_bytes\":%d,\"cpu_absolute\":0,"
        + "\"network\":{\"rx_bytes\":0,\"tx_bytes\":0},\"disk_io\":{\"read_bytes\":0,\"write_bytes\":0},\"uptime\":0,"
        + "\"state\":\"offline\",\"disk_bytes\":";

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

    private void start(final String servers) throws Exception
    {
        node = ApiNode.start(directory, servers);
    }

    @Test
    void getServerShowsStateSuspensionStatsAndConfiguration() throws Exception
    {
        start("  - uuid: " + S + "\n"
            + "    invocation: 'exec cat'\n"
            + "    environment: {SERVER_PORT: 25565, MODE: survival}\n"
            + "    stop: {type: command, value: stop}\n"
            + "    done: ['regex:^ready$']\n"
            + "    limits: {memory: 256}\n");

        final HttpResponse<String> response = node.get("/api/servers/" + S);

        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        final String body = response.body();
        assertTrue(body.startsWith("{\"state\":\"offline\",\"is_suspended\":false,\"utilization\":"
            + String.format(OFFLINE_USAGE_PREFIX, 256L * 1024 * 1024)), body);
        assertTrue(body.endsWith("},\"configuration\":{\"uuid\":\"" + S + "\",\"invocation\":\"exec cat\","
            + "\"environment\":{\"SERVER_PORT\":\"25565\",\"MODE\":\"survival\"},\"stop\":{\"type\":\"command\",\"value\":\"stop\"},"
            + "\"done\":[\"regex:^ready$\"],\"limits\":{\"memory\":256},\"suspended\":false}}"), body);
    }

    @Test
    void listServersIsAnArrayInConfigOrder() throws Exception
    {
        start(ApiNode.catServer(T) + ApiNode.catServer(S));

        final HttpResponse<String> response = node.get("/api/servers");

        assertEquals(200, response.statusCode(), response.body());
        final String body = response.body();
        assertTrue(body.startsWith("[{\"state\":\"offline\""), body);
        assertTrue(body.endsWith("}]"), body);
        assertTrue(body.indexOf("\"uuid\":\"" + T + "\"") < body.indexOf("\"uuid\":\"" + S + "\""), body);
    }

    @Test
    void runningServerShowsItsStateAndUptime() throws Exception
    {
        start(ApiNode.catServer(S));
        assertEquals(202, node.post("/api/servers/" + S + "/power", "{\"action\":\"start\"}").statusCode());
        ApiNode.await(() -> node.daemon().server(S).state() == ServerState.RUNNING, "running");

        final String body = node.get("/api/servers/" + S).body();

        assertTrue(body.startsWith("{\"state\":\"running\",\"is_suspended\":false,\"utilization\":{"), body);
        assertTrue(body.contains("\"state\":\"running\",\"disk_bytes\":"), body);
    }

    @Test
    void unknownServerAnswers404OnEveryServerRoute() throws Exception
    {
        start(ApiNode.catServer(S));
        for (final String[] request : new String[][]{
            {"GET", ""}, {"DELETE", ""}, {"POST", "/power"}, {"POST", "/commands"}, {"GET", "/logs"},
            {"POST", "/sync"}, {"POST", "/install"}, {"POST", "/reinstall"}, {"POST", "/ws/deny"}})
        {
            final HttpResponse<String> response =
                node.send(request[0], "/api/servers/" + NEW + request[1], request[0].equals("POST") ? "{}" : null, ApiNode.KEY);
            assertEquals(404, response.statusCode(), request[0] + " " + request[1]);
            assertEquals(NOT_FOUND, response.body());
        }
    }

    @Test
    void createdServerIsServedAtOnceAndWrittenToTheConfig() throws Exception
    {
        start(ApiNode.catServer(S));

        final HttpResponse<String> created = node.post("/api/servers",
            "{\"uuid\":\"" + NEW.toUpperCase() + "\",\"invocation\":\"echo ready; exec cat\",\"done\":\"ready\","
                + "\"environment\":{\"A\":1},\"limits\":{\"memory\":64},"
                + "\"install\":{\"script\":\"echo one\\necho two\\n\"}}");

        assertEquals(201, created.statusCode(), created.body());
        assertTrue(created.body().startsWith("{\"state\":\"offline\",\"is_suspended\":false,\"utilization\":{"), created.body());
        assertTrue(created.body().endsWith("\"configuration\":{\"uuid\":\"" + NEW + "\",\"invocation\":\"echo ready; exec cat\","
            + "\"environment\":{\"A\":\"1\"},\"stop\":{\"type\":\"signal\",\"value\":\"SIGTERM\"},\"done\":[\"ready\"],"
            + "\"limits\":{\"memory\":64},\"suspended\":false,"
            + "\"install\":{\"script\":\"echo one\\necho two\\n\",\"interpreter\":\"/bin/sh\"}}}"), created.body());
        assertTrue(Files.isDirectory(node.serverDirectory(NEW)));
        node.authenticated(NEW, ApiNode.USER);
        assertEquals(200, node.get("/api/servers/" + NEW).statusCode());

        final String yaml = Files.readString(node.config());
        assertTrue(yaml.contains("uuid: " + NEW), yaml);
        assertTrue(yaml.contains("uuid: " + S), yaml);
        assertTrue(yaml.contains("docker:\n  network:\n    name: pterodactyl_nw"), "other keys are kept:\n" + yaml);
        assertTrue(yaml.contains("token: " + ApiNode.KEY), yaml);
    }

    @Test
    void createdServerSurvivesADaemonRestart() throws Exception
    {
        start(ApiNode.catServer(S));
        final String body = "{\"uuid\":\"" + NEW + "\",\"invocation\":\"echo ready; exec cat\",\"done\":[\"ready\"],"
            + "\"stop\":{\"type\":\"signal\",\"value\":\"SIGINT\"},\"install\":{\"script\":\"#!/bin/sh\\necho hi\\n\",\"interpreter\":\"/bin/bash\"}}";
        assertEquals(201, node.post("/api/servers", body).statusCode());
        final String before = node.get("/api/servers/" + NEW).body();

        node.restart();

        final HttpResponse<String> after = node.get("/api/servers/" + NEW);
        assertEquals(200, after.statusCode(), after.body());
        assertEquals(configuration(before), configuration(after.body()));
        assertEquals(200, node.get("/api/servers/" + S).statusCode());
        assertEquals(202, node.post("/api/servers/" + NEW + "/power", "{\"action\":\"start\"}").statusCode());
        ApiNode.await(() -> node.daemon().server(NEW).state() == ServerState.RUNNING, "the restored server running");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"invocation\":\"x\"}|uuid is required.",
        "{\"uuid\":\"abc\",\"invocation\":\"x\"}|uuid must be a uuid such as 8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10, not \\\"abc\\\".",
        "{\"uuid\":\"" + NEW + "\"}|invocation is required.",
        "{\"uuid\":\"" + NEW + "\",\"invocation\":7}|invocation must be a string, not 7.",
        "{\"uuid\":\"" + NEW + "\",\"invocation\":\"x\",\"stop\":{\"type\":\"sigterm\"}}|stop.type must be \\\"command\\\" or \\\"signal\\\", not \\\"sigterm\\\".",
        "{\"uuid\":\"" + NEW + "\",\"invocation\":\"x\",\"limits\":{\"memory\":\"1G\"}}|limits.memory must be a whole number, not \\\"1G\\\".",
        "{\"uuid\":\"" + NEW + "\",\"invocation\":\"x\",\"done\":[\"regex:(\"]}|done[0] is not a valid regex: Unclosed group.",
        "{\"uuid\":\"" + NEW + "\",\"invocation\":\"x\",\"suspend\":true}|suspend is not a field of a server (the fields are uuid, invocation, environment, stop.type, stop.value, done, limits.memory, suspended, install.script, install.interpreter).",
        "{\"uuid\":\"" + NEW + "\",\"invocation\":\"x\",\"suspended\":\"yes\"}|suspended must be true or false, not \\\"yes\\\".",
        "[1,2]|The request body must be a JSON object, not an array.",
        "{\"uuid\":|The request body is not valid JSON at line 1, column 9: expected the node content, but found '<stream end>'.",
    })
    void createWithABadFieldAnswers400NamingIt(final String body, final String error) throws Exception
    {
        start(ApiNode.catServer(S));

        final HttpResponse<String> response = node.post("/api/servers", body);

        assertEquals(400, response.statusCode(), response.body());
        assertEquals("{\"error\":\"" + error + "\"}", response.body());
        assertFalse(Files.readString(node.config()).contains(NEW));
    }

    @Test
    void createThatCannotWriteTheConfigAnswers500AndAddsNothing() throws Exception
    {
        start(ApiNode.catServer(S));
        Files.writeString(node.config(), "- an operator broke this file\n");

        final HttpResponse<String> response = node.post("/api/servers", "{\"uuid\":\"" + NEW + "\",\"invocation\":\"true\"}");

        assertEquals(500, response.statusCode());
        assertEquals("{\"error\":\"cannot write the servers to the config file " + node.config().toRealPath()
            + " (" + node.config().toRealPath() + " is no longer a YAML mapping; not overwriting it); nothing was changed\"}",
            response.body());
        assertEquals(404, node.get("/api/servers/" + NEW).statusCode());
        assertEquals("- an operator broke this file\n", Files.readString(node.config()));
    }

    @Test
    void demoModeKeepsCreatedServersInMemory() throws Exception
    {
        final ServerDefinition demo = new ServerDefinition(S, "exec cat", Map.of(), ServerDefinition.StopType.SIGNAL, "SIGTERM",
            List.of(), 0, false);
        final Daemon daemon = Daemon.start(
            DaemonConfig.demo(0, directory.resolve("volumes"), ApiNode.KEY, demo, PerfProfile.defaults()), new SystemEpochNanoClock());
        try
        {
            final HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port() + "/api/servers"))
                    .header("Authorization", "Bearer " + ApiNode.KEY)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"uuid\":\"" + NEW + "\",\"invocation\":\"true\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

            assertEquals(201, response.statusCode(), response.body());
            assertEquals(List.of(S, NEW), daemon.servers().stream().map(ManagedServer::uuid).toList());
            try (var files = Files.list(directory))
            {
                assertEquals(List.of(directory.resolve("volumes")), files.toList(), "no config file is written");
            }
        }
        finally
        {
            daemon.close();
        }
    }

    @Test
    void createWithAnExistingUuidAnswers409() throws Exception
    {
        start(ApiNode.catServer(S));

        final HttpResponse<String> response = node.post("/api/servers", "{\"uuid\":\"" + S + "\",\"invocation\":\"true\"}");

        assertEquals(409, response.statusCode());
        assertEquals("{\"error\":\"A server with uuid " + S + " already exists on this node.\"}", response.body());
    }

    @Test
    void deletionIsSeenByClientsThenTheServerIsGone() throws Exception
    {
        start(ApiNode.catServer(S) + ApiNode.catServer(T));
        assertEquals(202, node.post("/api/servers/" + S + "/power", "{\"action\":\"start\"}").statusCode());
        ApiNode.await(() -> node.daemon().server(S).state() == ServerState.RUNNING, "running");
        final long pid = processOf(S);
        Files.writeString(node.serverDirectory(S).resolve("world.dat"), "data");
        Files.createDirectories(node.serverDirectory(S).resolve("plugins/a"));
        final RawWebSocketClient client = node.authenticated(S, ApiNode.USER);
        final RawWebSocketClient other = node.authenticated(T, ApiNode.USER);

        final HttpResponse<String> response = node.delete("/api/servers/" + S);

        assertEquals(204, response.statusCode(), response.body());
        assertEquals("", response.body());
        assertEquals("{\"event\":\"deleted\",\"args\":[\"null\"]}", client.readEvent("deleted").trim());
        final RawWebSocketClient.Frame close = client.readClose();
        assertEquals(1001, close.closeCode());
        assertEquals("server deleted", close.closeReason());
        assertFalse(Files.exists(node.serverDirectory(S)), "the directory is removed");
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the process is killed");
        assertEquals(404, node.get("/api/servers/" + S).statusCode());
        assertEquals(404, node.delete("/api/servers/" + S).statusCode());
        final RawWebSocketClient late = new RawWebSocketClient("127.0.0.1", node.daemon().port(), 5000);
        assertEquals(404, late.upgrade("/api/servers/" + S + "/ws", RawWebSocketClient.headers("Origin", ApiNode.PANEL)).status());
        late.close();
        assertFalse(Files.readString(node.config()).contains(S), "removed from the config");

        other.sendText("{\"event\":\"send stats\",\"args\":[null]}");
        other.readEvent("stats");
        node.restart();
        assertEquals(404, node.get("/api/servers/" + S).statusCode());
        assertEquals(200, node.get("/api/servers/" + T).statusCode());
    }

    @Test
    void syncSuspendsLiveClosingSessionsWith4409AndRefusingNewOnes() throws Exception
    {
        start(ApiNode.catServer(S));
        assertEquals(202, node.post("/api/servers/" + S + "/power", "{\"action\":\"start\"}").statusCode());
        ApiNode.await(() -> node.daemon().server(S).state() == ServerState.RUNNING, "running");
        final RawWebSocketClient client = node.authenticated(S, ApiNode.USER);

        final HttpResponse<String> suspended = node.post("/api/servers/" + S + "/sync",
            "{\"invocation\":\"" + ApiNode.CAT + "\",\"done\":[\"ready\"],\"suspended\":true}");

        assertEquals(204, suspended.statusCode(), suspended.body());
        final RawWebSocketClient.Frame close = client.readClose();
        assertEquals(4409, close.closeCode());
        assertEquals("server is suspended", close.closeReason());
        final RawWebSocketClient.Frame refused = node.connect(S).readClose();
        assertEquals(4409, refused.closeCode());
        assertEquals("server is suspended", refused.closeReason());
        ApiNode.await(() -> node.daemon().server(S).state() == ServerState.OFFLINE, "the suspended server stopped");
        assertTrue(node.get("/api/servers/" + S).body().startsWith("{\"state\":\"offline\",\"is_suspended\":true,"));
        assertTrue(Files.readString(node.config()).contains("suspended: true"));
        final HttpResponse<String> start = node.post("/api/servers/" + S + "/power", "{\"action\":\"start\"}");
        assertEquals(400, start.statusCode());
        assertEquals("{\"error\":\"Cannot start or restart a server that is suspended.\"}", start.body());

        final HttpResponse<String> unsuspended = node.post("/api/servers/" + S + "/sync",
            "{\"uuid\":\"" + S + "\",\"invocation\":\"" + ApiNode.CAT + "\",\"done\":[\"ready\"],\"suspended\":false}");

        assertEquals(204, unsuspended.statusCode(), unsuspended.body());
        node.authenticated(S, ApiNode.USER);
        assertTrue(Files.readString(node.config()).contains("suspended: false"));
    }

    @Test
    void syncedConfigurationIsUsedByTheNextStartAndKeptAcrossARestart() throws Exception
    {
        start(ApiNode.catServer(S));

        final HttpResponse<String> response = node.post("/api/servers/" + S + "/sync",
            "{\"invocation\":\"echo version two; echo ready; exec cat\",\"done\":[\"ready\"],\"environment\":{\"V\":\"2\"}}");

        assertEquals(204, response.statusCode(), response.body());
        assertTrue(node.get("/api/servers/" + S).body().contains("\"invocation\":\"echo version two; echo ready; exec cat\""));
        assertEquals(202, node.post("/api/servers/" + S + "/power", "{\"action\":\"start\"}").statusCode());
        ApiNode.await(() -> node.daemon().server(S).state() == ServerState.RUNNING, "running");
        assertEquals("{\"data\":[\"version two\",\"ready\"]}", node.get("/api/servers/" + S + "/logs").body());
        node.restart();
        assertTrue(node.get("/api/servers/" + S).body().contains("\"environment\":{\"V\":\"2\"}"));
    }

    @Test
    void syncWithAnotherUuidAnswers400() throws Exception
    {
        start(ApiNode.catServer(S));

        final HttpResponse<String> response = node.post("/api/servers/" + S + "/sync", "{\"uuid\":\"" + T + "\",\"invocation\":\"x\"}");

        assertEquals(400, response.statusCode());
        assertEquals("{\"error\":\"uuid \\\"" + T + "\\\" is not the uuid of the server in the path (" + S
            + "); a server's uuid cannot change.\"}", response.body());
    }

    @Test
    void syncWithABadFieldAnswers400AndChangesNothing() throws Exception
    {
        start(ApiNode.catServer(S));
        final String before = Files.readString(node.config());

        final HttpResponse<String> response = node.post("/api/servers/" + S + "/sync", "{\"invocation\":\"\"}");

        assertEquals(400, response.statusCode());
        assertEquals("{\"error\":\"invocation must not be empty.\"}", response.body());
        assertEquals(before, Files.readString(node.config()));
    }

    private long processOf(final String uuid) throws IOException
    {
        final Path cwd = node.serverDirectory(uuid).toRealPath();
        return ProcessHandle.current().descendants()
            .filter(process -> process.info().command().orElse("").endsWith("cat"))
            .filter(process -> cwdOf(process.pid()).equals(cwd))
            .findFirst()
            .orElseThrow()
            .pid();
    }

    private static Path cwdOf(final long pid)
    {
        try
        {
            return Path.of("/proc/" + pid + "/cwd").toRealPath();
        }
        catch (final IOException ex)
        {
            return Path.of("/nonexistent");
        }
    }

    /** The {@code configuration} object of a server view. */
    private static String configuration(final String view)
    {
        return view.substring(view.indexOf("\"configuration\":"));
    }
}
