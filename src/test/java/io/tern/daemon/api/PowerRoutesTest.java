package io.tern.daemon.api;

import io.tern.engine.server.ServerState;
import io.tern.transport.testing.RawWebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The routes that drive a server's process on a real daemon with real child processes:
 * {@code power}, {@code commands}, {@code logs}, {@code install} and {@code reinstall}, with the
 * status codes and bodies of PROTOCOL.md §8.
 */
class PowerRoutesTest
{
    private static final String S = "8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10";
    private static final String POWER = "/api/servers/" + S + "/power";
    private static final String COMMANDS = "/api/servers/" + S + "/commands";
    /** Ignores its stop command ({@code stop}, echoed by cat), so a {@code stop} holds the power lock until a kill. */
    private static final String STUBBORN = "  - {uuid: " + S + ", invocation: '" + ApiNode.CAT + "', done: [ready],"
        + " stop: {type: command, value: stop}}\n";

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

    private void awaitState(final ServerState state)
    {
        ApiNode.await(() -> node.daemon().server(S).state() == state, "server " + state);
    }

    @Test
    void powerActionsAnswer202AndRunInTheBackground() throws Exception
    {
        start(ApiNode.catServer(S));
        final RawWebSocketClient client = node.authenticated(S, ApiNode.USER);

        final HttpResponse<String> started = node.post(POWER, "{\"action\":\"start\",\"wait_seconds\":0}");

        assertEquals(202, started.statusCode(), started.body());
        assertEquals("", started.body());
        assertEquals("{\"event\":\"status\",\"args\":[\"starting\"]}", client.readEvent("status").trim());
        assertEquals("{\"event\":\"status\",\"args\":[\"running\"]}", client.readEvent("status").trim());
        awaitState(ServerState.RUNNING);

        assertEquals(202, node.post(POWER, "{\"action\":\"restart\"}").statusCode());
        assertEquals("{\"event\":\"status\",\"args\":[\"stopping\"]}", client.readEvent("status").trim());
        assertEquals("{\"event\":\"status\",\"args\":[\"offline\"]}", client.readEvent("status").trim());
        assertEquals("{\"event\":\"status\",\"args\":[\"starting\"]}", client.readEvent("status").trim());
        assertEquals("{\"event\":\"status\",\"args\":[\"running\"]}", client.readEvent("status").trim());

        assertEquals(202, node.post(POWER, "{\"action\":\"stop\"}").statusCode());
        assertEquals("{\"event\":\"status\",\"args\":[\"stopping\"]}", client.readEvent("status").trim());
        assertEquals("{\"event\":\"status\",\"args\":[\"offline\"]}", client.readEvent("status").trim());
    }

    @Test
    void killEndsAStopThatHoldsTheLock() throws Exception
    {
        start(STUBBORN);
        assertEquals(202, node.post(POWER, "{\"action\":\"start\"}").statusCode());
        awaitState(ServerState.RUNNING);
        assertEquals(202, node.post(POWER, "{\"action\":\"stop\"}").statusCode());
        awaitState(ServerState.STOPPING);

        killAndAwaitOffline();
    }

    @Test
    void startWaitsForTheLockUpToWaitSecondsOutOfRangeMeaning30() throws Exception
    {
        start(STUBBORN);
        assertEquals(202, node.post(POWER, "{\"action\":\"start\"}").statusCode());
        awaitState(ServerState.RUNNING);
        assertEquals(202, node.post(POWER, "{\"action\":\"stop\"}").statusCode());
        awaitState(ServerState.STOPPING);

        final HttpResponse<String> waiting = node.post(POWER, "{\"action\":\"start\",\"wait_seconds\":-1}");

        assertEquals(202, waiting.statusCode(), "answered at once while the stop still holds the lock");
        assertEquals(ServerState.STOPPING, node.daemon().server(S).state());
        assertEquals(202, node.post(POWER, "{\"action\":\"kill\"}").statusCode());
        ApiNode.await(() -> node.daemon().server(S).state() == ServerState.RUNNING, "the waiting start to run once the stop ended");
        killAndAwaitOffline();
    }

    /** A stubborn server ignores its stop command: kill it so the daemon's shutdown does not wait for it. */
    private void killAndAwaitOffline() throws Exception
    {
        assertEquals(202, node.post(POWER, "{\"action\":\"kill\"}").statusCode());
        awaitState(ServerState.OFFLINE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"action\":\"foo\"}", "{}", "{\"action\":1}", "{\"action\":\"START\"}"})
    void unknownPowerActionAnswers422(final String body) throws Exception
    {
        start(ApiNode.catServer(S));

        final HttpResponse<String> response = node.post(POWER, body);

        assertEquals(422, response.statusCode(), body);
        assertEquals("{\"error\":\"The power action provided was not valid, should be one of \\\"stop\\\", \\\"start\\\", "
            + "\\\"restart\\\", \\\"kill\\\"\"}", response.body());
    }

    @Test
    void nonNumericWaitSecondsAnswers400() throws Exception
    {
        start(ApiNode.catServer(S));

        final HttpResponse<String> response = node.post(POWER, "{\"action\":\"start\",\"wait_seconds\":\"ten\"}");

        assertEquals(400, response.statusCode());
        assertEquals("{\"error\":\"wait_seconds must be a whole number, not \\\"ten\\\".\"}", response.body());
        assertEquals(ServerState.OFFLINE, node.daemon().server(S).state());
    }

    @ParameterizedTest
    @ValueSource(strings = {"start", "restart"})
    void startingASuspendedServerAnswers400(final String action) throws Exception
    {
        start("  - {uuid: " + S + ", invocation: 'exec cat', suspended: true}\n");

        final HttpResponse<String> response = node.post(POWER, "{\"action\":\"" + action + "\"}");

        assertEquals(400, response.statusCode());
        assertEquals("{\"error\":\"Cannot start or restart a server that is suspended.\"}", response.body());
    }

    @Test
    void commandsReachTheProcessInOrder() throws Exception
    {
        start(ApiNode.catServer(S));
        assertEquals(202, node.post(POWER, "{\"action\":\"start\"}").statusCode());
        awaitState(ServerState.RUNNING);
        final RawWebSocketClient client = node.authenticated(S, ApiNode.USER);

        final HttpResponse<String> response = node.post(COMMANDS, "{\"commands\":[\"say hello\",\"list\"]}");

        assertEquals(204, response.statusCode(), response.body());
        assertEquals("{\"event\":\"console output\",\"args\":[\"say hello\"]}", client.readEvent("console output").trim());
        assertEquals("{\"event\":\"console output\",\"args\":[\"list\"]}", client.readEvent("console output").trim());
    }

    @Test
    void commandsToAnOfflineServerAnswer502() throws Exception
    {
        start(ApiNode.catServer(S));

        final HttpResponse<String> response = node.post(COMMANDS, "{\"commands\":[\"say hello\"]}");

        assertEquals(502, response.statusCode());
        assertEquals("{\"error\":\"Cannot send commands to a stopped server instance.\"}", response.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"commands\":\"say\"}", "{\"commands\":[1]}"})
    void commandsWithoutAnArrayOfStringsAnswer400(final String body) throws Exception
    {
        start(ApiNode.catServer(S));

        final HttpResponse<String> response = node.post(COMMANDS, body);

        assertEquals(400, response.statusCode(), body);
        assertTrue(response.body().startsWith("{\"error\":\"commands"), response.body());
    }

    @Test
    void logsReturnTheLastLinesDefaultingAndCappedAt100() throws Exception
    {
        start("  - {uuid: " + S + ", done: [ready], invocation: 'i=1; while [ $i -le 150 ]; do echo line$i; i=$((i+1)); done;"
            + " echo ready; exec cat'}\n");
        assertEquals("{\"data\":[]}", node.get("/api/servers/" + S + "/logs").body(), "offline: no lines");
        assertEquals(202, node.post(POWER, "{\"action\":\"start\"}").statusCode());
        awaitState(ServerState.RUNNING);

        assertEquals("{\"data\":[\"line149\",\"line150\",\"ready\"]}", node.get("/api/servers/" + S + "/logs?size=3").body());
        final String all = node.get("/api/servers/" + S + "/logs").body();
        assertTrue(all.startsWith("{\"data\":[\"line52\",\"line53\","), all);
        assertEquals(100, all.split(",").length);
        assertEquals(all, node.get("/api/servers/" + S + "/logs?size=500").body());
        assertEquals(all, node.get("/api/servers/" + S + "/logs?size=0").body());
        final HttpResponse<String> bad = node.get("/api/servers/" + S + "/logs?size=ten");
        assertEquals(400, bad.statusCode());
        assertEquals("{\"error\":\"size must be a whole number of lines, not \\\"ten\\\".\"}", bad.body());
    }

    @Test
    void installRunsTheScriptWithItsEventsAndAnotherInstallMeanwhileAnswers409() throws Exception
    {
        start("  - uuid: " + S + "\n"
            + "    invocation: 'exec cat'\n"
            + "    install:\n"
            + "      script: |\n"
            + "        echo installing\n"
            + "        while [ ! -f go ]; do sleep 0.02; done\n"
            + "        echo done > installed.txt\n");
        final RawWebSocketClient client = node.authenticated(S, ApiNode.USER);

        final HttpResponse<String> install = node.post("/api/servers/" + S + "/install", "");

        assertEquals(202, install.statusCode(), install.body());
        assertEquals("", install.body());
        client.readEvent("install started");
        assertEquals("{\"event\":\"install output\",\"args\":[\"installing\"]}", client.readEvent("install output").trim());
        for (final String route : new String[]{"/install", "/reinstall"})
        {
            final HttpResponse<String> conflict = node.post("/api/servers/" + S + route, "");
            assertEquals(409, conflict.statusCode(), route);
            assertEquals("{\"error\":\"Cannot execute server reinstall event while another power action is running.\"}", conflict.body());
        }
        Files.writeString(node.serverDirectory(S).resolve("go"), "");
        client.readEvent("install completed");
        assertEquals("done\n", Files.readString(node.serverDirectory(S).resolve("installed.txt")));
    }

    @Test
    void reinstallWhileAPowerActionHoldsTheLockAnswers409() throws Exception
    {
        start(STUBBORN);
        assertEquals(202, node.post(POWER, "{\"action\":\"start\"}").statusCode());
        awaitState(ServerState.RUNNING);
        assertEquals(202, node.post(POWER, "{\"action\":\"stop\"}").statusCode());
        awaitState(ServerState.STOPPING);

        final HttpResponse<String> response = node.post("/api/servers/" + S + "/reinstall", "");

        assertEquals(409, response.statusCode());
        assertEquals("{\"error\":\"Cannot execute server reinstall event while another power action is running.\"}", response.body());
        killAndAwaitOffline();
    }

    @Test
    void installOfARunningServerAnswers409ButReinstallStopsIt() throws Exception
    {
        start("  - {uuid: " + S + ", invocation: '" + ApiNode.CAT + "', done: [ready], install: {script: 'echo reinstalled'}}\n");
        assertEquals(202, node.post(POWER, "{\"action\":\"start\"}").statusCode());
        awaitState(ServerState.RUNNING);

        final HttpResponse<String> install = node.post("/api/servers/" + S + "/install", "");

        assertEquals(409, install.statusCode());
        assertEquals("{\"error\":\"Cannot install a server that is running; stop it first, or use /reinstall, which stops it.\"}",
            install.body());
        final RawWebSocketClient client = node.authenticated(S, ApiNode.USER);
        assertEquals(202, node.post("/api/servers/" + S + "/reinstall", "").statusCode());
        assertEquals("{\"event\":\"install output\",\"args\":[\"reinstalled\"]}", client.readEvent("install output").trim());
        client.readEvent("install completed");
        awaitState(ServerState.OFFLINE);
    }
}
