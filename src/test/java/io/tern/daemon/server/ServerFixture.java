package io.tern.daemon.server;

import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.config.ServerDefinition.InstallScript;
import io.tern.daemon.config.ServerDefinition.StopType;
import io.tern.engine.fanout.ServerChannel;
import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ServerControl.PowerResult;
import org.agrona.concurrent.SystemEpochNanoClock;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static io.tern.engine.server.ServerState.RUNNING;
import static io.tern.engine.server.ServerState.STARTING;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Builds {@link ManagedServer}s on real processes for tests, each with its own channel and
 * {@link ChannelRecorder}, and kills them all on {@link #close()}. Used by the test thread only.
 */
final class ServerFixture implements AutoCloseable
{
    /** Reads stdin line by line, echoing, and exits 0 on "quit". */
    static final String QUIT_LOOP =
        "echo ready; while read line; do if [ \"$line\" = quit ]; then echo bye; exit 0; fi; echo \"got $line\"; done";

    final ExecutorService controlWorker = Executors.newCachedThreadPool();
    private final Path root;
    private final List<ManagedServer> servers = new ArrayList<>();
    private ChannelRecorder recorder;

    ServerFixture(final Path root)
    {
        this.root = root;
    }

    /**
     * @return the recorder of the server built last.
     */
    ChannelRecorder recorder()
    {
        return recorder;
    }

    static ServerDefinition definition(
        final String invocation, final StopType stopType, final String stopValue, final List<String> done)
    {
        return new ServerDefinition(
            UUID.randomUUID().toString(), invocation, Map.of(), stopType, stopValue, done, 0, false, null);
    }

    static ServerDefinition withInstall(final ServerDefinition definition, final InstallScript install)
    {
        return new ServerDefinition(definition.uuid(), definition.invocation(), definition.environment(),
            definition.stopType(), definition.stopValue(), definition.done(), definition.memoryLimitMib(),
            definition.suspended(), install);
    }

    static ServerDefinition withMemoryLimit(final ServerDefinition definition, final long memoryLimitMib)
    {
        return new ServerDefinition(definition.uuid(), definition.invocation(), definition.environment(),
            definition.stopType(), definition.stopValue(), definition.done(), memoryLimitMib,
            definition.suspended(), definition.install());
    }

    static RuntimeSettings settings(final Duration stopTimeout, final boolean crashDetection)
    {
        return new RuntimeSettings(150, 2000, 100, 0, stopTimeout, Duration.ofSeconds(1), crashDetection, true, 60);
    }

    static RuntimeSettings settings()
    {
        return settings(Duration.ofSeconds(60), false);
    }

    ManagedServer server(final ServerDefinition definition, final RuntimeSettings settings)
    {
        final ServerChannel channel = new ServerChannel(definition.uuid(), 1 << 20, "Tern");
        recorder = new ChannelRecorder(channel);
        final ManagedServer server =
            new ManagedServer(definition, root.resolve(definition.uuid()), settings, channel, controlWorker, new SystemEpochNanoClock());
        servers.add(server);
        return server;
    }

    /**
     * Starts {@code server} and waits until it runs and its start released the power lock.
     */
    ManagedServer startRunning(final ManagedServer server)
    {
        assertEquals(PowerResult.ACCEPTED, server.power(PowerAction.START, null));
        recorder.awaitStatuses(STARTING, RUNNING);
        awaitLockFree(server);
        return server;
    }

    void awaitLockFree(final ManagedServer server)
    {
        recorder.await("the power lock to be free", r -> !server.powerActionInProgress());
    }

    @Override
    public void close()
    {
        for (final ManagedServer server : servers)
        {
            server.delete();
        }
        controlWorker.shutdownNow();
    }
}
