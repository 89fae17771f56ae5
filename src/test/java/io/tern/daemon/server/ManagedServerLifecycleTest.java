package io.tern.daemon.server;

import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.config.ServerDefinition.StopType;
import io.tern.daemon.lifecycle.StateStore;
import io.tern.daemon.process.LeftoverProcesses;
import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ServerControl.PowerResult;
import io.tern.engine.server.ServerState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.tern.engine.server.ServerState.OFFLINE;
import static io.tern.engine.server.ServerState.RUNNING;
import static io.tern.engine.server.ServerState.STARTING;
import static io.tern.engine.server.ServerState.STOPPING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManagedServerLifecycleTest
{
    private static final String CRASH_LINE = "---------- Detected server process in a crashed state! ----------";

    @TempDir
    Path root;

    private final List<String> errors = new CopyOnWriteArrayList<>();
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
    void waitsForThePowerLockInTheBackgroundUpToTheLockWait()
    {
        final ManagedServer server = startRunning(
            ServerFixture.definition("echo ready; cat", StopType.COMMAND, "stop", List.of("ready")), ServerFixture.settings());
        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.STOP, errors::add));
        recorder().awaitStatuses(STARTING, RUNNING, STOPPING);

        assertEquals(PowerResult.LOCKED, server.power(PowerAction.START, errors::add));
        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.START, errors::add, Duration.ofSeconds(60)));
        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.KILL, errors::add));

        recorder().awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE, STARTING, RUNNING);
        assertEquals(List.of(), errors);
    }

    @Test
    void reportsALockWaitThatRunsOut()
    {
        final ManagedServer server = startRunning(
            ServerFixture.definition("echo ready; cat", StopType.COMMAND, "stop", List.of("ready")), ServerFixture.settings());
        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.STOP, errors::add));
        recorder().awaitStatuses(STARTING, RUNNING, STOPPING);

        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.RESTART, errors::add, Duration.ofMillis(20)));

        recorder().await("the lock wait to run out", r -> !errors.isEmpty());
        assertEquals(
            List.of("another power action is currently being processed for this server, please try again later"), errors);
        assertEquals(STOPPING, server.state());
    }

    @Test
    void refusesAStartOfARunningServerOnlyOnceItHasTheLock()
    {
        final ManagedServer server = startRunning(
            ServerFixture.definition("echo ready; cat", StopType.COMMAND, "stop", List.of("ready")), ServerFixture.settings());

        assertEquals(PowerResult.ALREADY_RUNNING, server.power(PowerAction.START, errors::add, Duration.ofSeconds(5)));
        assertEquals(List.of(), errors);
    }

    @Test
    void appliesANewDefinitionFromTheNextStart()
    {
        final ServerDefinition first = ServerFixture.definition(
            "echo \"version one $GREETING\"; " + ServerFixture.QUIT_LOOP, StopType.COMMAND, "quit", List.of("ready"));
        final ManagedServer server = startRunning(first, ServerFixture.settings());
        final ServerDefinition second = new ServerDefinition(first.uuid(),
            "trap 'echo got TERM; exit 0' TERM; echo \"version two $GREETING\"; echo up; while :; do sleep 0.05; done",
            Map.of("GREETING", "hello"), StopType.SIGNAL, "SIGTERM", List.of("up"), 64, false, null);

        server.updateDefinition(second);

        assertEquals(second, server.definition());
        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.RESTART, errors::add));
        recorder().awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE, STARTING, RUNNING);
        recorder().awaitConsole("version two hello");
        assertTrue(recorder().console().contains("bye"), "the first run was stopped with its own stop command");
        assertTrue(recorder().console().contains("version one "));
        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.STOP, errors::add));
        recorder().awaitConsole("got TERM");
        recorder().awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE, STARTING, RUNNING, STOPPING, OFFLINE);
        assertEquals(List.of(), errors);
    }

    @Test
    void rejectsADefinitionOfAnotherServerOrWithABadDoneRegex()
    {
        final ServerDefinition definition = ServerFixture.definition("cat", StopType.COMMAND, "stop", List.of());
        final ManagedServer server = fixture.server(definition, ServerFixture.settings());

        final IllegalArgumentException otherUuid = assertThrows(IllegalArgumentException.class,
            () -> server.updateDefinition(ServerFixture.definition("cat", StopType.COMMAND, "stop", List.of())));
        final IllegalArgumentException badRegex = assertThrows(IllegalArgumentException.class,
            () -> server.updateDefinition(new ServerDefinition(definition.uuid(), "cat", Map.of(), StopType.COMMAND, "stop",
                List.of("regex:(unclosed"), 0, true, null)));

        assertTrue(otherUuid.getMessage().contains(definition.uuid()), otherUuid.getMessage());
        assertTrue(badRegex.getMessage().contains("regex:(unclosed"), badRegex.getMessage());
        assertEquals(definition, server.definition());
        assertFalse(server.isSuspended());
    }

    @Test
    void suspendingARunningServerStopsItAndRefusesStarts()
    {
        final ServerDefinition definition =
            ServerFixture.definition(ServerFixture.QUIT_LOOP, StopType.COMMAND, "quit", List.of("ready"));
        final ManagedServer server = startRunning(definition, ServerFixture.settings(Duration.ofSeconds(60), true));

        server.updateDefinition(definition.withSuspended(true));

        assertTrue(server.isSuspended());
        recorder().awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE);
        recorder().awaitConsole("bye");
        assertEquals(PowerResult.SUSPENDED, server.power(PowerAction.START, errors::add));
        assertFalse(recorder().console().contains(recorder().daemonLine(CRASH_LINE)), "a suspension is no crash");

        server.updateDefinition(definition);
        assertFalse(server.isSuspended());
        assertEquals(OFFLINE, server.state(), "unsuspending starts nothing");
        startAgain(server);
    }

    @Test
    void deleteKillsTheWholeTreeWithoutCrashHandling() throws Exception
    {
        final ManagedServer server = startRunning(ServerFixture.definition(
            "trap '' TERM; sleep 1000 & sleep 1000 & echo ready; wait", StopType.SIGNAL, "SIGTERM", List.of("ready")),
            ServerFixture.settings(Duration.ofSeconds(60), true));
        final ProcessHandle shell = ProcessHandle.of(server.pid()).orElseThrow();
        recorder().await("two children", r -> shell.descendants().count() >= 2);
        final List<ProcessHandle> tree = new ArrayList<>();
        tree.add(shell);
        shell.descendants().forEach(tree::add);
        Files.writeString(server.directory().resolve("world.dat"), "data");

        assertTrue(server.delete());

        assertTrue(tree.stream().allMatch(ManagedServerTest::isGone), "every process of the tree is gone");
        assertEquals(OFFLINE, server.state());
        assertEquals(List.of(STARTING, RUNNING, STOPPING, OFFLINE), recorder().statuses());
        assertEquals(PowerResult.LOCKED, server.power(PowerAction.START, errors::add));
        assertEquals(PowerResult.LOCKED, server.install(true, errors::add));
        assertFalse(recorder().console().contains(recorder().daemonLine(CRASH_LINE)));
        server.deleteDirectory();
        assertFalse(Files.exists(server.directory()));
    }

    @Test
    void removesTheDirectoryOnlyAfterDelete()
    {
        final ManagedServer server = fixture.server(
            ServerFixture.definition("cat", StopType.COMMAND, "stop", List.of()), ServerFixture.settings());

        assertThrows(IllegalStateException.class, server::deleteDirectory);
        assertTrue(Files.isDirectory(server.directory()));
    }

    @Test
    void tellsStateListenersEveryTransitionInOrder()
    {
        final ManagedServer server = fixture.server(
            ServerFixture.definition(ServerFixture.QUIT_LOOP, StopType.COMMAND, "quit", List.of("ready")),
            ServerFixture.settings());
        final List<ServerState> seen = new CopyOnWriteArrayList<>();
        server.onStateChange(seen::add);

        fixture.startRunning(server);
        server.power(PowerAction.STOP, errors::add);

        recorder().awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE);
        assertEquals(List.of(STARTING, RUNNING, STOPPING, OFFLINE), seen);
    }

    @Test
    void persistsEveryStateThroughAStateListener()
    {
        final ServerDefinition definition =
            ServerFixture.definition(ServerFixture.QUIT_LOOP, StopType.COMMAND, "quit", List.of("ready"));
        final ManagedServer server = fixture.server(definition, ServerFixture.settings());
        final Path file = root.resolve(StateStore.FILE_NAME);
        try (StateStore store = new StateStore(file))
        {
            server.onStateChange(state -> store.record(definition.uuid(), state));

            fixture.startRunning(server);
            store.flush();
            assertEquals(Map.of(definition.uuid(), RUNNING), StateStore.load(file));

            server.shutdown(Duration.ofSeconds(10));
            store.flush();
            assertEquals(Map.of(definition.uuid(), OFFLINE), StateStore.load(file));
        }
    }

    @Test
    void detachedShutdownLeavesTheProcessRunningForTheNextBootToKill()
    {
        final ServerDefinition definition = ServerFixture.definition(
            "sleep 1000 & echo ready; wait", StopType.SIGNAL, "SIGTERM", List.of("ready"));
        final ManagedServer server = startRunning(definition, ServerFixture.settings(Duration.ofSeconds(60), true));
        final ProcessHandle shell = ProcessHandle.of(server.pid()).orElseThrow();
        recorder().await("the child", r -> shell.descendants().count() >= 1);
        final List<ProcessHandle> tree = new ArrayList<>();
        tree.add(shell);
        shell.descendants().forEach(tree::add);

        server.shutdown(Duration.ofSeconds(10), true);

        assertTrue(tree.stream().allMatch(ProcessHandle::isAlive), "left running");
        assertEquals(RUNNING, server.state(), "the saved state still says running");
        assertEquals(PowerResult.LOCKED, server.power(PowerAction.START, errors::add));

        final Map<String, List<ProcessHandle>> killed =
            LeftoverProcesses.killAll(List.of(definition.uuid()), Duration.ofSeconds(10));

        assertTrue(killed.get(definition.uuid()).containsAll(tree), "the boot sweep finds the whole tree: " + killed);
        assertTrue(tree.stream().allMatch(ManagedServerTest::isGone));
        recorder().awaitStatuses(STARTING, RUNNING, OFFLINE);
        assertFalse(recorder().console().contains(recorder().daemonLine(CRASH_LINE)), "no crash handling once shut down");
    }

    private void startAgain(final ManagedServer server)
    {
        recorder().await("a start to be accepted", r -> server.power(PowerAction.START, errors::add) == PowerResult.ACCEPTED);
        recorder().awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE, STARTING, RUNNING);
    }

    private ManagedServer startRunning(final ServerDefinition definition, final RuntimeSettings settings)
    {
        return fixture.startRunning(fixture.server(definition, settings));
    }

    private ChannelRecorder recorder()
    {
        return fixture.recorder();
    }
}
