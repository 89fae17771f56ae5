package io.tern.daemon;

import io.tern.daemon.token.TokenMinter;
import io.tern.transport.testing.RawWebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The daemon as an operator runs it: {@code tern --config FILE} in its own JVM, stopped with
 * SIGTERM. Sessions are closed with 1012, and the game server's process is stopped with it.
 */
class LifecycleTest
{
    private static final String KEY = "lifecycle-node-token-0123456789abcdef";

    @TempDir
    Path directory;

    private Process daemon;
    private final LinkedBlockingQueue<String> log = new LinkedBlockingQueue<>();

    @AfterEach
    void stop() throws Exception
    {
        if (daemon != null && daemon.isAlive())
        {
            daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    private void startDaemon(final Path config) throws IOException
    {
        final String java = ProcessHandle.current().info().command().orElse("java");
        daemon = new ProcessBuilder(java, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--config", config.toString())
            .redirectErrorStream(true)
            .start();
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = lines.readLine()) != null)
                {
                    log.add(line);
                }
            }
            catch (final IOException ex)
            {
                log.add("read failed: " + ex);
            }
        }, "daemon-log");
        reader.setDaemon(true);
        reader.start();
        awaitLog("listening on");
    }

    private String awaitLog(final String fragment) throws IOException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline)
        {
            try
            {
                final String line = log.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && line.contains(fragment))
                {
                    return line;
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        fail("the daemon never logged '" + fragment + "'");
        return null;
    }

    @Test
    void sigtermClosesSessionsWith1012AndStopsTheGameServer() throws Exception
    {
        final String server = UUID.randomUUID().toString();
        final int port = freePort();
        final Path config = directory.resolve("config.yml");
        Files.writeString(config, "token: " + KEY + "\nallowed_origins: ['*']\napi: {host: 127.0.0.1, port: " + port + "}\n"
            + "system: {data: " + directory.resolve("volumes") + "}\n"
            + "servers:\n  - uuid: " + server + "\n    invocation: 'echo $$ > pid; echo ready; exec cat'\n    done: [ready]\n");
        startDaemon(config);

        final RawWebSocketClient client = new RawWebSocketClient("127.0.0.1", port, 10_000);
        assertEquals(101, client.upgrade("/api/servers/" + server + "/ws", RawWebSocketClient.headers("Origin", "http://x")).status());
        final String jwt = new TokenMinter(KEY.getBytes(StandardCharsets.UTF_8), "test")
            .mint(server, UUID.randomUUID().toString(), List.of("*"), System.currentTimeMillis() / 1000 + 1, Duration.ofMinutes(10));
        client.sendText("{\"event\":\"auth\",\"args\":[\"" + jwt + "\"]}");
        assertEquals("{\"event\":\"auth success\"}", client.readText().trim());
        client.sendText("{\"event\":\"set state\",\"args\":[\"start\"]}");
        assertEquals("{\"event\":\"status\",\"args\":[\"running\"]}", readUntil(client, "\"running\""));
        final long gamePid = Long.parseLong(Files.readString(directory.resolve("volumes").resolve(server).resolve("pid")).trim());
        assertTrue(ProcessHandle.of(gamePid).map(ProcessHandle::isAlive).orElse(false));

        daemon.destroy();
        final RawWebSocketClient.Frame close = client.readClose();
        assertEquals(1012, close.closeCode());
        assertEquals("service restart", close.closeReason());
        assertTrue(daemon.waitFor(60, TimeUnit.SECONDS), "the daemon exits after SIGTERM");
        assertTrue(ProcessHandle.of(gamePid).map(io.tern.daemon.process.LeftoverProcesses::isGone).orElse(true),
            "the game server was stopped with the daemon");
    }

    private Path writeConfig(final String server, final int port) throws IOException
    {
        final Path config = directory.resolve("config.yml");
        Files.writeString(config, "token: " + KEY + "\nallowed_origins: ['*']\napi: {host: 127.0.0.1, port: " + port + "}\n"
            + "system: {data: " + directory.resolve("volumes") + "}\n"
            + "servers:\n  - uuid: " + server + "\n    invocation: 'echo $$ > pid; echo ready; exec cat'\n    done: [ready]\n");
        return config;
    }

    private RawWebSocketClient authenticated(final String server, final int port) throws IOException
    {
        final RawWebSocketClient client = new RawWebSocketClient("127.0.0.1", port, 10_000);
        assertEquals(101, client.upgrade("/api/servers/" + server + "/ws", RawWebSocketClient.headers("Origin", "http://x")).status());
        final String jwt = new TokenMinter(KEY.getBytes(StandardCharsets.UTF_8), "test")
            .mint(server, UUID.randomUUID().toString(), List.of("*"), System.currentTimeMillis() / 1000 + 1, Duration.ofMinutes(10));
        client.sendText("{\"event\":\"auth\",\"args\":[\"" + jwt + "\"]}");
        assertEquals("{\"event\":\"auth success\"}", client.readText().trim());
        return client;
    }

    private long gamePid(final String server) throws IOException
    {
        return Long.parseLong(Files.readString(directory.resolve("volumes").resolve(server).resolve("pid")).trim());
    }

    @Test
    void daemonRestartStartsAgainTheServersThatWereRunningEvenAfterAHardKill() throws Exception
    {
        final String server = UUID.randomUUID().toString();
        final int port = freePort();
        final Path config = writeConfig(server, port);
        startDaemon(config);
        final RawWebSocketClient first = authenticated(server, port);
        first.sendText("{\"event\":\"set state\",\"args\":[\"start\"]}");
        readUntil(first, "\"running\"");
        final long firstPid = gamePid(server);

        daemon.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertTrue(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false), "a hard kill leaves the game server behind");

        startDaemon(config);
        final RawWebSocketClient second = authenticated(server, port);
        readUntil(second, "\"running\"");
        assertTrue(ProcessHandle.of(firstPid).map(io.tern.daemon.process.LeftoverProcesses::isGone).orElse(true),
            "the leftover copy was killed at boot");
        assertTrue(gamePid(server) != firstPid, "a fresh process runs");

        daemon.destroy();
        assertTrue(daemon.waitFor(60, TimeUnit.SECONDS));
        startDaemon(config);
        final RawWebSocketClient third = authenticated(server, port);
        readUntil(third, "\"running\"");
    }

    @Test
    void aCrashedGameServerIsReportedAndRestarted() throws Exception
    {
        final String server = UUID.randomUUID().toString();
        final int port = freePort();
        startDaemon(writeConfig(server, port));
        final RawWebSocketClient client = authenticated(server, port);
        client.sendText("{\"event\":\"set state\",\"args\":[\"start\"]}");
        readUntil(client, "\"running\"");
        final long pid = gamePid(server);
        new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
        assertTrue(readUntil(client, "Detected server process in a crashed state!").contains("console output"));
        assertTrue(readUntil(client, "Exit code: ").contains("137"));
        readUntil(client, "\"starting\"");
        readUntil(client, "\"running\"");
    }

    @Test
    void tokenCommandPrintsATokenTheRunningDaemonAccepts() throws Exception
    {
        final String server = UUID.randomUUID().toString();
        final int port = freePort();
        final Path config = writeConfig(server, port);
        startDaemon(config);
        final long listeningSecond = System.currentTimeMillis() / 1000;
        while (System.currentTimeMillis() / 1000 <= listeningSecond)
        {
            Thread.sleep(20);
        }

        final String java = ProcessHandle.current().info().command().orElse("java");
        final Process token = new ProcessBuilder(java, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), Main.class.getName(),
            "token", "--config", config.toString(), "--server", server, "--permissions", "websocket.connect,control.console")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        final String output = new String(token.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(token.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, token.exitValue());
        final String[] lines = output.split("\n");
        assertEquals(1, lines.length, output);

        final RawWebSocketClient client = new RawWebSocketClient("127.0.0.1", port, 10_000);
        assertEquals(101, client.upgrade("/api/servers/" + server + "/ws", RawWebSocketClient.headers("Origin", "http://x")).status());
        client.sendText("{\"event\":\"auth\",\"args\":[\"" + lines[0].trim() + "\"]}");
        assertEquals("{\"event\":\"auth success\"}", client.readText().trim());
    }

    private static String readUntil(final RawWebSocketClient client, final String fragment) throws IOException
    {
        while (true)
        {
            final String text = client.readText().trim();
            if (text.contains(fragment))
            {
                return text;
            }
        }
    }
}
