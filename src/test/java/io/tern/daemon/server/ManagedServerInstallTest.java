package io.tern.daemon.server;

import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.config.ServerDefinition.InstallScript;
import io.tern.daemon.config.ServerDefinition.StopType;
import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ServerControl.PowerResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.tern.engine.server.ServerState.OFFLINE;
import static io.tern.engine.server.ServerState.RUNNING;
import static io.tern.engine.server.ServerState.STARTING;
import static io.tern.engine.server.ServerState.STOPPING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManagedServerInstallTest
{
    private static final String STARTED = "event install started []";
    private static final String NOTICE = "daemon message " + ManagedServer.INSTALL_NOTICE;
    private static final String COMPLETED = "event install completed []";

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
    void runsTheInstallScriptWithItsEventsInOrder() throws Exception
    {
        final ManagedServer server = server(ServerFixture.withInstall(
            ServerFixture.definition("cat", StopType.COMMAND, "stop", List.of()),
            new InstallScript("echo one\necho two >&2\necho installed > marker.txt\nprintf three\n", "/bin/sh")));

        assertEquals(PowerResult.ACCEPTED, server.install(false, errors::add));

        recorder().awaitTimeline(COMPLETED);
        assertEquals(List.of(STARTED, NOTICE, "install output one", "install output two", "install output three", COMPLETED),
            recorder().timeline());
        assertEquals("installed\n", Files.readString(server.directory().resolve("marker.txt")));
        assertFalse(Files.exists(server.directory().resolve(InstallProcess.SCRIPT_FILE)), "the script file is removed");
        assertEquals(List.of(), errors);
        fixture.awaitLockFree(server);
        assertFalse(server.isInstalling());
        assertEquals(OFFLINE, server.state());
    }

    @Test
    void runsTheScriptWithItsInterpreterInTheServerDirectoryWithTheServerEnvironment()
    {
        final ServerDefinition plain = ServerFixture.definition("cat", StopType.COMMAND, "stop", List.of());
        final ManagedServer server = server(new ServerDefinition(plain.uuid(), "cat", Map.of("SERVER_MEMORY", "512"),
            StopType.COMMAND, "stop", List.of(), 0, false,
            new InstallScript("pwd\necho \"memory=$SERVER_MEMORY\"\nfalse\necho not reached\n", "/bin/sh -e")));

        server.install(false, errors::add);

        recorder().awaitTimeline(COMPLETED);
        assertEquals(List.of(STARTED, NOTICE, "install output " + server.directory(), "install output memory=512", COMPLETED),
            recorder().timeline());
        recorder().await("the exit code reported", r -> errors.contains("the install script exited with code 1"));
    }

    @Test
    void onlyCompletesWithoutAnInstallScript()
    {
        final ManagedServer server = server(ServerFixture.definition("cat", StopType.COMMAND, "stop", List.of()));

        assertEquals(PowerResult.ACCEPTED, server.install(true, errors::add));

        recorder().awaitTimeline(COMPLETED);
        assertEquals(List.of(COMPLETED), recorder().timeline());
        fixture.awaitLockFree(server);
        assertEquals(List.of(), errors);
    }

    @Test
    void refusesToInstallWhileALongStopHoldsThePowerLock()
    {
        final ManagedServer server = fixture.startRunning(server(ServerFixture.withInstall(
            ServerFixture.definition("echo ready; cat", StopType.COMMAND, "stop", List.of("ready")),
            new InstallScript("echo installing", null))));
        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.STOP, errors::add));
        recorder().awaitStatuses(STARTING, RUNNING, STOPPING);

        assertEquals(PowerResult.LOCKED, server.install(true, errors::add));
        assertEquals(PowerResult.LOCKED, server.install(false, errors::add));
        assertFalse(server.isInstalling());

        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.KILL, errors::add));
        recorder().awaitStatuses(STARTING, RUNNING, STOPPING, OFFLINE);
        recorder().await("the install to be accepted", r -> server.install(false, errors::add) == PowerResult.ACCEPTED);
        recorder().awaitTimeline(COMPLETED);
        assertTrue(recorder().timeline().contains("install output installing"));
        assertEquals(List.of(), errors);
    }

    @Test
    void refusesAnInstallButNotAReinstallOfARunningServer()
    {
        final ManagedServer server = fixture.startRunning(server(ServerFixture.withInstall(
            ServerFixture.definition(ServerFixture.QUIT_LOOP, StopType.COMMAND, "quit", List.of("ready")),
            new InstallScript("echo reinstalled", "/bin/sh"))));

        assertEquals(PowerResult.ALREADY_RUNNING, server.install(false, errors::add));
        assertEquals(PowerResult.ACCEPTED, server.install(true, errors::add));

        recorder().awaitTimeline(COMPLETED);
        final List<String> timeline = recorder().timeline();
        final List<String> tail = timeline.subList(timeline.indexOf("status stopping"), timeline.size());
        assertEquals(List.of("status stopping", "console bye", "status offline", STARTED, NOTICE,
            "install output reinstalled", COMPLETED), tail, "stopped (by its stop command) before the install");
        assertEquals(OFFLINE, server.state());
        assertFalse(timeline.contains("console " + recorder().daemonLine("Exit code: 0")), "the reinstall's stop is no crash");
        assertEquals(List.of(), errors);
    }

    @Test
    void refusesPowerActionsWhileInstallingAndShutdownKillsTheInstall()
    {
        final ManagedServer server = server(ServerFixture.withInstall(
            ServerFixture.definition("cat", StopType.COMMAND, "stop", List.of()),
            new InstallScript("echo \"pid $$\"\nsleep 1000 &\necho \"child $!\"\nwait\n", "/bin/sh")));

        assertEquals(PowerResult.ACCEPTED, server.install(false, errors::add));
        recorder().await("the install's child", r -> installOutputStartingWith(r, "child ") != null);

        assertTrue(server.isInstalling());
        assertEquals(OFFLINE, server.state());
        assertEquals(PowerResult.INSTALLING, server.power(PowerAction.START, errors::add));
        assertEquals(PowerResult.INSTALLING, server.power(PowerAction.KILL, errors::add));
        assertEquals(PowerResult.INSTALLING, server.power(PowerAction.STOP, errors::add, Duration.ofSeconds(30)));
        assertEquals(PowerResult.INSTALLING, server.install(true, errors::add));

        final long shell = Long.parseLong(installOutputStartingWith(recorder(), "pid ").substring(4));
        final long child = Long.parseLong(installOutputStartingWith(recorder(), "child ").substring(6));
        server.shutdown(Duration.ofSeconds(10));

        assertFalse(server.isInstalling());
        recorder().awaitTimeline(COMPLETED);
        recorder().await("the install's processes gone", r ->
            ProcessHandle.of(shell).map(ManagedServerTest::isGone).orElse(true) &&
            ProcessHandle.of(child).map(ManagedServerTest::isGone).orElse(true));
        assertEquals(List.of(), recorder().statuses(), "offline all along: no status");
        assertEquals(List.of("the install script exited with code 137"), errors);
        assertEquals(PowerResult.LOCKED, server.install(false, errors::add));
    }

    @Test
    void deleteKillsARunningInstall()
    {
        final ManagedServer server = server(ServerFixture.withInstall(
            ServerFixture.definition("cat", StopType.COMMAND, "stop", List.of()),
            new InstallScript("echo \"pid $$\"\nexec sleep 1000\n", "/bin/sh")));
        server.install(false, errors::add);
        recorder().await("the install's pid", r -> installOutputStartingWith(r, "pid ") != null);
        final long pid = Long.parseLong(installOutputStartingWith(recorder(), "pid ").substring(4));

        assertTrue(server.delete());

        assertTrue(ProcessHandle.of(pid).map(ManagedServerTest::isGone).orElse(true));
        assertFalse(server.isInstalling());
        recorder().awaitTimeline(COMPLETED);
    }

    private static String installOutputStartingWith(final ChannelRecorder recorder, final String prefix)
    {
        for (final String item : recorder.timeline())
        {
            if (item.startsWith("install output " + prefix))
            {
                return item.substring("install output ".length());
            }
        }
        return null;
    }

    private ManagedServer server(final ServerDefinition definition)
    {
        return fixture.server(definition, ServerFixture.settings());
    }

    private ChannelRecorder recorder()
    {
        return fixture.recorder();
    }
}
