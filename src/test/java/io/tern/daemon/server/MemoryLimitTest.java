package io.tern.daemon.server;

import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.config.ServerDefinition.StopType;
import io.tern.daemon.process.DoneDetector;
import io.tern.daemon.process.ProcessTree;
import io.tern.daemon.process.ProcessTreeUsage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.tern.engine.server.ServerState.OFFLINE;
import static io.tern.engine.server.ServerState.RUNNING;
import static io.tern.engine.server.ServerState.STARTING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryLimitTest
{
    /** A shell and a sleep: far more than 1 MiB resident. */
    private static final String SLEEPER = "sleep 1000 & echo ready; wait";

    @TempDir
    Path root;

    private final ProcessTreeUsage scratch = new ProcessTreeUsage();
    private ServerFixture fixture;

    @BeforeEach
    void createFixture()
    {
        fixture = new ServerFixture(root);
    }

    @AfterEach
    void killServers()
    {
        fixture.close();
    }

    @Test
    void killsATreeOverItsLimitForTwoSamplesAsAnOutOfMemoryCrashAndRestartsIt()
    {
        final ManagedServer server = startRunning(1, true);
        final long firstPid = server.pid();

        server.sampleStats(scratch);

        assertTrue(scratch.rssBytes() > 1024 * 1024, "the tree is over 1 MiB: " + scratch.rssBytes());
        assertEquals(RUNNING, server.state(), "one sample over the limit is tolerated");
        assertTrue(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false));

        server.sampleStats(scratch);

        recorder().awaitStatuses(STARTING, RUNNING, OFFLINE, STARTING, RUNNING);
        final List<String> console = recorder().console();
        final int crash = console.indexOf(recorder().daemonLine("---------- Detected server process in a crashed state! ----------"));
        assertTrue(crash >= 0, console.toString());
        assertEquals(List.of(recorder().daemonLine("Exit code: 137"), recorder().daemonLine("Out of memory: true")),
            console.subList(crash + 1, crash + 3));
        assertFalse(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void reportsAnOutOfMemoryKillEvenWhenCleanExitsAreNoCrash()
    {
        final ManagedServer server = fixture.server(definition(1), new RuntimeSettings(
            150, 2000, 100, 0, Duration.ofSeconds(60), Duration.ofSeconds(1), true, false, 60));
        fixture.startRunning(server);

        server.sampleStats(scratch);
        server.sampleStats(scratch);

        recorder().awaitConsole(recorder().daemonLine("Out of memory: true"));
    }

    @Test
    void countsOnlyConsecutiveSamplesOverTheLimit() throws Exception
    {
        final ServerDefinition definition = definition(1);
        final ManagedServer server = fixture.server(definition, ServerFixture.settings());
        final ProcessTree tree = ProcessTree.spawn("exit 0", server.directory(), Map.of());
        final ProcessRun run = new ProcessRun(server, tree, definition, new DoneDetector(List.of()), 0, "test");
        tree.process().waitFor();

        assertEquals(1, run.recordMemorySample(2 * 1024 * 1024));
        assertEquals(0, run.recordMemorySample(512 * 1024));
        assertEquals(1, run.recordMemorySample(2 * 1024 * 1024));
        assertEquals(2, run.recordMemorySample(2 * 1024 * 1024));
        assertEquals(0, run.recordMemorySample(1024 * 1024), "exactly at the limit is not over it");
    }

    @Test
    void neverKillsWithoutALimit()
    {
        final ManagedServer server = startRunning(0, true);

        for (int i = 0; i < 5; i++)
        {
            server.sampleStats(scratch);
        }

        assertEquals(RUNNING, server.state());
        assertEquals(List.of(STARTING, RUNNING), recorder().statuses());
    }

    @Test
    void aNewLimitAppliesFromTheNextStart()
    {
        final ManagedServer server = startRunning(0, true);

        server.updateDefinition(ServerFixture.withMemoryLimit(server.definition(), 1));
        server.sampleStats(scratch);
        server.sampleStats(scratch);

        assertEquals(RUNNING, server.state(), "the running process keeps the limit it started with");
    }

    private ManagedServer startRunning(final long memoryLimitMib, final boolean crashDetection)
    {
        return fixture.startRunning(
            fixture.server(definition(memoryLimitMib), ServerFixture.settings(Duration.ofSeconds(60), crashDetection)));
    }

    private static ServerDefinition definition(final long memoryLimitMib)
    {
        return ServerFixture.withMemoryLimit(
            ServerFixture.definition(SLEEPER, StopType.SIGNAL, "SIGTERM", List.of("ready")), memoryLimitMib);
    }

    private ChannelRecorder recorder()
    {
        return fixture.recorder();
    }
}
