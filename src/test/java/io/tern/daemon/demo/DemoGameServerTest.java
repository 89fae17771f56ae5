package io.tern.daemon.demo;

import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.config.ServerDefinition.StopType;
import io.tern.daemon.server.ChannelRecorder;
import io.tern.daemon.server.ManagedServer;
import io.tern.daemon.server.RuntimeSettings;
import io.tern.engine.fanout.ServerChannel;
import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ServerControl.CommandResult;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.tern.engine.server.ServerState.OFFLINE;
import static io.tern.engine.server.ServerState.RUNNING;
import static io.tern.engine.server.ServerState.STARTING;
import static io.tern.engine.server.ServerState.STOPPING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoGameServerTest
{
    @TempDir
    Path directory;

    @Test
    void printsBannerAnswersHelpAndStopsWithExitCodeZero() throws Exception
    {
        final Process process = new ProcessBuilder("/bin/sh", "-c", DemoGameServer.invocation(Duration.ofSeconds(60)))
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .start();
        try (OutputStream stdin = process.getOutputStream())
        {
            stdin.write("help\nsay hello there\nlist\nstop\n".getBytes(StandardCharsets.UTF_8));
        }

        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertTrue(process.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.startsWith("Tern demo game server 1.0\n"), output);
        assertTrue(output.contains("Loading world...\n"), output);
        assertTrue(output.matches("(?s).*\nDone \\(\\d+\\.\\d\\ds\\)! For help, type \"help\"\n.*"), output);
        assertTrue(output.contains("> help\nAvailable commands:\n"), output);
        assertTrue(output.contains("> say hello there\n[Server] hello there\n"), output);
        assertTrue(output.contains("> list\nThere are 0 of a max of 20 players online: \n"), output);
        assertTrue(output.endsWith("> stop\nStopping server...\nSaving world...\n"), output);
    }

    @Test
    void runsUnderTheDaemonFromStartToStopCommand()
    {
        final ExecutorService controlWorker = Executors.newCachedThreadPool();
        final String uuid = UUID.randomUUID().toString();
        final ServerChannel channel = new ServerChannel(uuid, 1 << 20, "Tern");
        final ChannelRecorder recorder = new ChannelRecorder(channel);
        final ServerDefinition definition = new ServerDefinition(uuid, DemoGameServer.invocation(Duration.ofMillis(50)),
            Map.of(), StopType.COMMAND, DemoGameServer.STOP_COMMAND, List.of(DemoGameServer.DONE_STRING), 1024, false);
        final ManagedServer server = new ManagedServer(definition, directory.resolve(uuid), RuntimeSettings.defaults(),
            channel, controlWorker, new SystemEpochNanoClock());
        try
        {
            server.power(PowerAction.START, null);
            recorder.awaitStatuses(STARTING, RUNNING);
            assertTrue(recorder.console().contains("Tern demo game server 1.0"));
            recorder.await("a tick line", r -> r.console().stream().anyMatch(line -> line.matches(
                "\\[Server] tick \\d+: \\d players online")));

            assertEquals(CommandResult.ACCEPTED, server.sendCommand("help"));
            recorder.awaitConsole("Available commands:");
            assertEquals(CommandResult.ACCEPTED, server.sendCommand(DemoGameServer.STOP_COMMAND));

            recorder.awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE);
            assertTrue(recorder.console().contains("Stopping server..."));
            assertFalse(recorder.console().contains(recorder.daemonLine("Exit code: 0")), "a clean stop is no crash");
        }
        finally
        {
            server.shutdown(Duration.ZERO);
            controlWorker.shutdownNow();
        }
    }
}
