package io.tern.daemon.server;

import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.config.ServerDefinition.StopType;
import io.tern.engine.fanout.RecordType;
import io.tern.engine.fanout.ServerChannel;
import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ResourceUsage;
import io.tern.engine.server.ServerControl.CommandResult;
import io.tern.engine.server.ServerControl.PowerResult;
import io.tern.engine.server.ServerState;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import static io.tern.engine.server.ServerState.OFFLINE;
import static io.tern.engine.server.ServerState.RUNNING;
import static io.tern.engine.server.ServerState.STARTING;
import static io.tern.engine.server.ServerState.STOPPING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManagedServerTest
{
    /** Reads stdin line by line, echoing, and exits 0 on "quit". */
    private static final String QUIT_LOOP =
        "echo ready; while read line; do if [ \"$line\" = quit ]; then echo bye; exit 0; fi; echo \"got $line\"; done";
    private static final long MEMORY_LIMIT_MIB = 512;

    private static ExecutorService controlWorker;

    @TempDir
    Path root;

    private final AtomicLong manualNanos = new AtomicLong(1_000_000_000L);
    private final EpochNanoClock manualClock = manualNanos::get;
    private final List<ManagedServer> servers = new ArrayList<>();
    private ChannelRecorder recorder;

    @BeforeAll
    static void startWorker()
    {
        controlWorker = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void stopWorker()
    {
        controlWorker.shutdownNow();
    }

    @AfterEach
    void killServers()
    {
        for (final ManagedServer server : servers)
        {
            server.shutdown(Duration.ZERO);
        }
    }

    @Test
    void reachesRunningOnDoneStringWithStatusesInOrder()
    {
        final ManagedServer server = server("echo starting; echo ready; cat", List.of("ready"), settings());

        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.START, null));

        recorder.awaitStatuses(STARTING, RUNNING);
        recorder.awaitConsole("ready");
        final List<String> console = recorder.console();
        assertEquals(List.of(recorder.daemonLine("Updating process configuration files..."), "starting", "ready"), console);
        final List<ChannelRecorder.Entry> entries = recorder.entries();
        assertEquals(RecordType.CONSOLE_OUTPUT, entries.get(0).type(), "the pre-start daemon line comes before starting");
        assertEquals(STARTING, entries.get(1).status());
        assertEquals(RUNNING, server.state());
    }

    @Test
    void runsAsSoonAsSpawnedWithoutDoneStrings()
    {
        final ManagedServer server = server("cat", List.of(), settings());

        server.power(PowerAction.START, null);

        recorder.awaitStatuses(STARTING, RUNNING);
    }

    @Test
    void matchesRegexDoneStrings()
    {
        final ManagedServer server = server(
            "echo 'Loading'; echo 'Done (1.25s)! For help'; cat", List.of("regex:^Done \\(\\d+\\.\\d+s\\)!"), settings());

        server.power(PowerAction.START, null);

        recorder.awaitStatuses(STARTING, RUNNING);
    }

    @Test
    void rejectsInvalidRegexDoneStrings()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> server("cat", List.of("regex:(unclosed"), settings()));

        assertTrue(ex.getMessage().contains("regex:(unclosed"), ex.getMessage());
    }

    @Test
    void writesCommandsToStdinInSubmissionOrder()
    {
        final ManagedServer server = startRunning("echo ready; cat", List.of("ready"), settings());

        for (int i = 0; i < 100; i++)
        {
            assertEquals(CommandResult.ACCEPTED, server.sendCommand("line " + i));
        }

        recorder.awaitConsole("line 99");
        final List<String> echoed = new ArrayList<>();
        for (final String line : recorder.console())
        {
            if (line.startsWith("line "))
            {
                echoed.add(line);
            }
        }
        final List<String> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++)
        {
            expected.add("line " + i);
        }
        assertEquals(expected, echoed);
    }

    @Test
    void ignoresCommandsWhileOffline()
    {
        final ManagedServer server = server("cat", List.of(), settings());

        assertEquals(CommandResult.IGNORED, server.sendCommand("hello"));
    }

    @Test
    void reportsNotAttachedOnceTheProcessClosedItsStdin()
    {
        final ManagedServer server = startRunning(
            "exec 0<&-; echo ready; while :; do sleep 0.05; done", List.of("ready"), settings());

        assertEquals(CommandResult.ACCEPTED, server.sendCommand("nobody reads this"));

        recorder.await("stdin reported closed", r -> server.sendCommand("probe") == CommandResult.NOT_ATTACHED);
    }

    @Test
    void stopsByCommand()
    {
        final ManagedServer server = startRunning(QUIT_LOOP, StopType.COMMAND, "quit", List.of("ready"), settings());

        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.STOP, null));

        recorder.awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE);
        recorder.awaitConsole("bye");
        assertFalse(recorder.console().contains(recorder.daemonLine("Exit code: 0")), "a requested stop is no crash");
    }

    @Test
    void typingTheStopCommandMovesToStoppingFirst()
    {
        final ManagedServer server = startRunning(QUIT_LOOP, StopType.COMMAND, "quit", List.of("ready"), settings());

        assertEquals(CommandResult.ACCEPTED, server.sendCommand("quit"));

        recorder.awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE);
        recorder.awaitConsole("bye");
        assertFalse(recorder.console().contains(
            recorder.daemonLine("---------- Detected server process in a crashed state! ----------")));
    }

    @Test
    void stopsBySigterm()
    {
        final ManagedServer server = startRunning(
            "trap 'echo got TERM; exit 0' TERM; echo ready; while :; do sleep 0.05; done",
            StopType.SIGNAL, "SIGTERM", List.of("ready"), settings(Duration.ofSeconds(60), false));
        final long begin = System.nanoTime();

        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.STOP, null));

        recorder.awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE);
        recorder.awaitConsole("got TERM");
        assertTrue(System.nanoTime() - begin < Duration.ofSeconds(10).toNanos(), "stopped by the signal, not the timeout");
    }

    @Test
    void stopsBySigintWhenTheStopValueIsC()
    {
        final ManagedServer server = startRunning(
            "trap 'echo got INT; exit 0' INT; echo ready; while :; do sleep 0.05; done",
            StopType.SIGNAL, "C", List.of("ready"), settings(Duration.ofSeconds(60), false));

        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.STOP, null));

        recorder.awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE);
        recorder.awaitConsole("got INT");
    }

    @Test
    void killsAfterTheStopTimeout()
    {
        final ManagedServer server = startRunning(
            "trap '' TERM; echo ready; while :; do sleep 0.05; done",
            StopType.SIGNAL, "SIGTERM", List.of("ready"), settings(Duration.ofMillis(200), false));

        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.STOP, null));

        recorder.awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE);
    }

    @Test
    void killRemovesTheWholeProcessTree()
    {
        final ManagedServer server = startRunning(
            "sleep 1000 & sleep 1000 & echo ready; wait", List.of("ready"), settings());
        final ProcessHandle shell = ProcessHandle.of(server.pid()).orElseThrow();
        recorder.await("two children", r -> shell.descendants().count() >= 2);
        final List<ProcessHandle> tree = new ArrayList<>();
        tree.add(shell);
        shell.descendants().forEach(tree::add);

        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.KILL, null));

        recorder.awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE);
        recorder.await("every process of the tree gone", r -> tree.stream().allMatch(ManagedServerTest::isGone));
    }

    @Test
    void processExitKillsOrphanedChildren()
    {
        final ManagedServer server = server("sleep 1000 & echo \"child $!\"; exit 0", List.of("child"), settings());
        server.power(PowerAction.START, null);
        recorder.await("child pid", r -> r.console().stream().anyMatch(line -> line.startsWith("child ")));
        final long child = Long.parseLong(
            recorder.console().stream().filter(line -> line.startsWith("child ")).findFirst().orElseThrow().substring(6));

        recorder.awaitStatuses(STARTING, RUNNING, OFFLINE);
        recorder.await("orphan " + child + " gone", r -> ProcessHandle.of(child).map(ManagedServerTest::isGone).orElse(true));
    }

    @Test
    void processExitGoesOfflineAndPublishesZeroedStats()
    {
        final ManagedServer server = server("echo bye; exit 3", List.of("bye"), settings());

        server.power(PowerAction.START, null);

        recorder.awaitStatuses(STARTING, RUNNING, OFFLINE);
        final List<ChannelRecorder.Entry> entries = recorder.entries();
        int offline = -1;
        for (int i = 0; i < entries.size(); i++)
        {
            if (entries.get(i).type() == RecordType.STATUS && entries.get(i).status() == OFFLINE)
            {
                offline = i;
            }
        }
        final ChannelRecorder.Entry stats = entries.get(offline + 1);
        assertEquals(RecordType.STATS, stats.type(), "offline is followed by its stats");
        assertEquals("{\"memory_bytes\":0,\"memory_limit_bytes\":" + MEMORY_LIMIT_MIB * 1024 * 1024 +
            ",\"cpu_absolute\":0,\"network\":{\"rx_bytes\":0,\"tx_bytes\":0},\"disk_io\":{\"read_bytes\":0,\"write_bytes\":0}," +
            "\"uptime\":0,\"state\":\"offline\",\"disk_bytes\":0}", stats.text());
        recorder.awaitConsole(recorder.daemonLine("Aborting automatic restart, crash detection is disabled for this instance."));
        final ResourceUsage usage = new ResourceUsage();
        server.readUsage(usage);
        assertEquals(OFFLINE, usage.state);
        assertEquals(MEMORY_LIMIT_MIB * 1024 * 1024, usage.memoryLimitBytes);
    }

    @Test
    void restartsAfterACrashOnceThenAbortsWithinTheCrashTimeout()
    {
        final ManagedServer server = server("echo ready; exit 3", StopType.COMMAND, "stop", List.of("ready"),
            settings(Duration.ofSeconds(60), true), manualClock);

        server.power(PowerAction.START, null);

        recorder.awaitConsole(recorder.daemonLine("Aborting automatic restart, last crash occurred less than 60 seconds ago."));
        assertEquals(List.of(STARTING, RUNNING, OFFLINE, STARTING, RUNNING, OFFLINE), recorder.statuses());
        final List<String> console = recorder.console();
        assertEquals(2, console.stream().filter(recorder.daemonLine("Exit code: 3")::equals).count());
        assertEquals(2, console.stream().filter(
            recorder.daemonLine("---------- Detected server process in a crashed state! ----------")::equals).count());
        assertEquals(OFFLINE, server.state());
    }

    @Test
    void restartsAgainOnceTheCrashTimeoutHasPassed()
    {
        final ManagedServer server = server("echo ready; exit 3", StopType.COMMAND, "stop", List.of("ready"),
            settings(Duration.ofSeconds(60), true), manualClock);
        server.power(PowerAction.START, null);
        recorder.awaitConsole(recorder.daemonLine("Aborting automatic restart, last crash occurred less than 60 seconds ago."));

        manualNanos.addAndGet(Duration.ofSeconds(61).toNanos());
        recorder.await("the automatic restart to release the power lock", r -> !server.powerActionInProgress());
        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.START, null));

        recorder.awaitStatuses(STARTING, RUNNING, OFFLINE, STARTING, RUNNING, OFFLINE,
            STARTING, RUNNING, OFFLINE, STARTING, RUNNING, OFFLINE);
    }

    @Test
    void refusesPowerActionsWhileALongStopHoldsTheLockButStillKills()
    {
        final List<String> errors = new CopyOnWriteArrayList<>();
        final ManagedServer server = startRunning("echo ready; cat", StopType.COMMAND, "stop", List.of("ready"),
            settings(Duration.ofSeconds(60), false));

        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.STOP, errors::add));
        recorder.awaitStatuses(STARTING, RUNNING, STOPPING);
        recorder.awaitConsole("stop");

        assertEquals(PowerResult.LOCKED, server.power(PowerAction.RESTART, errors::add));
        assertEquals(PowerResult.LOCKED, server.power(PowerAction.START, errors::add));
        assertEquals(PowerResult.LOCKED, server.power(PowerAction.STOP, errors::add));
        assertEquals(CommandResult.ACCEPTED, server.sendCommand("still attached"));
        recorder.awaitConsole("still attached");
        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.KILL, errors::add));

        recorder.awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE);
        recorder.await("lock released", r -> server.power(PowerAction.START, errors::add) == PowerResult.ACCEPTED);
        recorder.awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE, STARTING, RUNNING);
        assertEquals(List.of(), errors);
    }

    @Test
    void restartsUnderOneLock()
    {
        final ManagedServer server = startRunning(QUIT_LOOP, StopType.COMMAND, "quit", List.of("ready"), settings());

        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.RESTART, null));

        recorder.awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE, STARTING, RUNNING);
        recorder.awaitConsole("bye");
    }

    @Test
    void refusesStartWhenRunningAndStartOrRestartWhenSuspended()
    {
        final ManagedServer running = startRunning("echo ready; cat", List.of("ready"), settings());
        assertEquals(PowerResult.ALREADY_RUNNING, running.power(PowerAction.START, null));

        final ServerChannel channel = new ServerChannel(UUID.randomUUID().toString(), 1 << 16, "Tern");
        final ServerDefinition suspended = new ServerDefinition(channel.uuid(), "cat", Map.of(), StopType.COMMAND, "stop",
            List.of(), 0, true);
        final ManagedServer server = new ManagedServer(suspended, root.resolve("suspended"), settings(), channel,
            controlWorker, new SystemEpochNanoClock());
        servers.add(server);

        assertTrue(server.isSuspended());
        assertEquals(PowerResult.SUSPENDED, server.power(PowerAction.START, null));
        assertEquals(PowerResult.SUSPENDED, server.power(PowerAction.RESTART, null));
        assertEquals(OFFLINE, server.state());
    }

    @Test
    void reportsAStartThatCannotRunAsAPowerError() throws IOException
    {
        final List<String> errors = new CopyOnWriteArrayList<>();
        final ManagedServer server = server("cat", List.of(), settings());
        Files.delete(server.directory());
        Files.writeString(server.directory(), "not a directory");

        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.START, errors::add));

        recorder.await("power error", r -> !errors.isEmpty());
        assertTrue(errors.get(0).contains(server.directory().toString()), errors.get(0));
        assertEquals(List.of(), recorder.statuses());
        assertEquals(OFFLINE, server.state());
    }

    @Test
    void runsInTheServerDirectoryWithTheConfiguredEnvironment()
    {
        final ServerChannel channel = new ServerChannel(UUID.randomUUID().toString(), 1 << 16, "Tern");
        recorder = new ChannelRecorder(channel);
        final Path directory = root.resolve("env");
        final ServerDefinition definition = new ServerDefinition(channel.uuid(), "pwd; echo \"memory=$SERVER_MEMORY\" >&2; cat",
            Map.of("SERVER_MEMORY", "512"), StopType.COMMAND, "stop", List.of(), 0, false);
        final ManagedServer server = new ManagedServer(definition, directory, settings(), channel, controlWorker,
            new SystemEpochNanoClock());
        servers.add(server);

        server.power(PowerAction.START, null);

        recorder.awaitConsole(directory.toString());
        recorder.awaitConsole("memory=512");
    }

    @Test
    void replaysTheLastLogCountLinesOldestFirstAndNothingWhenOffline()
    {
        final ManagedServer server = startRunning(QUIT_LOOP, StopType.COMMAND, "quit", List.of("ready"),
            new RuntimeSettings(3, 2000, 100, 0, Duration.ofSeconds(60), Duration.ofSeconds(1), false, true, 60));
        server.sendCommand("a");
        server.sendCommand("b");
        server.sendCommand("c");
        recorder.awaitConsole("got c");

        assertEquals(List.of("got a", "got b", "got c"), replay(server));

        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.STOP, null));
        recorder.awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE);
        assertEquals(List.of(), replay(server));
    }

    @Test
    void throttlesConsoleOutputButStillDetectsDoneAndKeepsHistory()
    {
        final ManagedServer server = server(
            "i=0; while [ $i -lt 50 ]; do echo \"line $i\"; i=$((i+1)); done; echo ready; cat", StopType.COMMAND, "stop",
            List.of("ready"), new RuntimeSettings(150, 10, 100, 0, Duration.ofSeconds(60), Duration.ofSeconds(1), false,
                true, 60), manualClock);

        server.power(PowerAction.START, null);
        recorder.awaitStatuses(STARTING, RUNNING);

        final List<String> expected = new ArrayList<>();
        expected.add(recorder.daemonLine("Updating process configuration files..."));
        for (int i = 0; i < 10; i++)
        {
            expected.add("line " + i);
        }
        expected.add(recorder.daemonLine(ManagedServer.THROTTLE_NOTICE));
        assertEquals(expected, recorder.console());
        final List<String> history = replay(server);
        assertEquals(51, history.size());
        assertEquals("line 49", history.get(49));
        assertEquals("ready", history.get(50));

        manualNanos.addAndGet(Duration.ofMillis(101).toNanos());
        server.sendCommand("after the window");
        recorder.awaitConsole("after the window");
    }

    @Test
    void shutdownStopsTheServerAndRefusesFurtherActions()
    {
        final ManagedServer server = startRunning(QUIT_LOOP, StopType.COMMAND, "quit", List.of("ready"), settings());

        server.shutdown(Duration.ofSeconds(10));

        assertEquals(OFFLINE, server.state());
        recorder.awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE);
        recorder.awaitConsole("bye");
        assertEquals(PowerResult.LOCKED, server.power(PowerAction.START, null));
    }

    private ManagedServer startRunning(final String invocation, final List<String> done, final RuntimeSettings settings)
    {
        return startRunning(invocation, StopType.COMMAND, "stop", done, settings);
    }

    private ManagedServer startRunning(
        final String invocation,
        final StopType stopType,
        final String stopValue,
        final List<String> done,
        final RuntimeSettings settings)
    {
        final ManagedServer server = server(invocation, stopType, stopValue, done, settings, new SystemEpochNanoClock());
        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.START, null));
        recorder.awaitStatuses(STARTING, RUNNING);
        recorder.await("the start action to release the power lock", r -> !server.powerActionInProgress());
        return server;
    }

    private ManagedServer server(final String invocation, final List<String> done, final RuntimeSettings settings)
    {
        return server(invocation, StopType.COMMAND, "stop", done, settings, new SystemEpochNanoClock());
    }

    private ManagedServer server(
        final String invocation,
        final StopType stopType,
        final String stopValue,
        final List<String> done,
        final RuntimeSettings settings,
        final EpochNanoClock clock)
    {
        final String uuid = UUID.randomUUID().toString();
        final ServerChannel channel = new ServerChannel(uuid, 1 << 20, "Tern");
        recorder = new ChannelRecorder(channel);
        final ServerDefinition definition = new ServerDefinition(
            uuid, invocation, Map.of(), stopType, stopValue, done, MEMORY_LIMIT_MIB, false);
        final ManagedServer server = new ManagedServer(
            definition, root.resolve(uuid), settings, channel, controlWorker, clock);
        servers.add(server);
        return server;
    }

    private static RuntimeSettings settings()
    {
        return settings(Duration.ofSeconds(60), false);
    }

    private static RuntimeSettings settings(final Duration stopTimeout, final boolean crashDetection)
    {
        return new RuntimeSettings(150, 2000, 100, 0, stopTimeout, Duration.ofSeconds(1), crashDetection, true, 60);
    }

    private static List<String> replay(final ManagedServer server)
    {
        final List<String> lines = new ArrayList<>();
        server.replayHistory((bytes, offset, length) -> lines.add(new String(bytes, offset, length, StandardCharsets.UTF_8)));
        return lines;
    }

    /** Exited, or a zombie waiting for a reaper that is not ours (e.g. re-parented to init). */
    static boolean isGone(final ProcessHandle process)
    {
        if (!process.isAlive())
        {
            return true;
        }
        try
        {
            final String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
        }
        catch (final IOException ex)
        {
            return true;
        }
    }
}
