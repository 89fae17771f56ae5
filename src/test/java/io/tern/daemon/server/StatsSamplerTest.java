package io.tern.daemon.server;

import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.config.ServerDefinition.StopType;
import io.tern.engine.fanout.ServerChannel;
import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ResourceUsage;
import io.tern.engine.server.ServerState;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tern.engine.server.ServerState.RUNNING;
import static io.tern.engine.server.ServerState.STARTING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsSamplerTest
{
    private static final long MEMORY_LIMIT_MIB = 1024;

    @TempDir
    Path root;

    private final ExecutorService controlWorker = Executors.newCachedThreadPool();
    private final StatsSampler sampler = new StatsSampler(Duration.ofSeconds(1));
    private ChannelRecorder recorder;
    private ManagedServer server;
    private final List<ManagedServer> others = new java.util.ArrayList<>();

    @BeforeEach
    void startSampler()
    {
        sampler.start();
    }

    @AfterEach
    void stopEverything()
    {
        if (server != null)
        {
            server.shutdown(Duration.ZERO);
        }
        others.forEach(other -> other.shutdown(Duration.ZERO));
        sampler.close();
        controlWorker.shutdownNow();
    }

    @Test
    void publishesMemoryOfTheRunningTree()
    {
        server("echo ready; sleep 30 & cat", 0);
        start();

        sampler.sampleOnce();

        final String stats = awaitStats("\"state\":\"running\"");
        assertTrue(number(stats, "memory_bytes") > 0, stats);
        assertEquals(MEMORY_LIMIT_MIB * 1024 * 1024, number(stats, "memory_limit_bytes"), stats);
        assertEquals(0, number(stats, "rx_bytes"), stats);
        assertTrue(number(stats, "uptime") >= 0, stats);
        final ResourceUsage usage = new ResourceUsage();
        server.readUsage(usage);
        assertEquals(RUNNING, usage.state);
        assertTrue(usage.memoryBytes > 0);
    }

    @Test
    void publishesCpuOfABusyProcess() throws InterruptedException
    {
        server("echo ready; while :; do :; done", 0);
        start();
        sampler.sampleOnce();

        final ResourceUsage usage = new ResourceUsage();
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        do
        {
            Thread.sleep(100);
            sampler.sampleOnce();
            server.readUsage(usage);
        }
        while (usage.cpuAbsolute < 20 && System.nanoTime() < deadline);

        assertTrue(usage.cpuAbsolute >= 20, "cpu " + usage.cpuAbsolute);
    }

    @Test
    void measuresTheServerDirectoryForDiskBytes() throws IOException
    {
        server("echo ready; cat", 150);
        Files.write(server.directory().resolve("world.dat"), new byte[12_345]);
        start();

        sampler.sampleOnce();
        recorder.await("disk measured", r ->
        {
            final ResourceUsage usage = new ResourceUsage();
            server.readUsage(usage);
            return usage.diskBytes == 12_345;
        });
        sampler.sampleOnce();

        awaitStats("\"disk_bytes\":12345");
    }

    @Test
    void publishesNothingForAnOfflineServer()
    {
        server("cat", 0);

        sampler.sampleOnce();

        assertEquals(List.of(), recorder.stats());
        assertEquals(ServerState.OFFLINE, server.state());
    }

    @Test
    void samplesEachServerInItsOwnSliceOfTheInterval()
    {
        // Not started: the test plays the scheduler, one slice per call.
        try (StatsSampler sliced = new StatsSampler(Duration.ofSeconds(1)))
        {
            final ManagedServer first = server("echo ready; cat", 0, sliced);
            final ChannelRecorder firstStats = recorder;
            start();
            final ManagedServer second = server("echo ready; cat", 0, sliced);
            final ChannelRecorder secondStats = recorder;
            start();
            others.add(first);
            final int firstBefore = firstStats.stats().size();
            final int secondBefore = secondStats.stats().size();

            sliced.sampleSlice();
            assertEquals(firstBefore + 1, firstStats.stats().size(), "the first server is sampled in slice 0");
            assertEquals(secondBefore, secondStats.stats().size(), "the second one is not");

            sliced.sampleSlice();
            assertEquals(firstBefore + 1, firstStats.stats().size());
            assertEquals(secondBefore + 1, secondStats.stats().size(), "the second server is sampled in slice 1");

            for (int slice = 2; slice < StatsSampler.SLICES; slice++)
            {
                sliced.sampleSlice();
            }
            assertEquals(firstBefore + 1, firstStats.stats().size(), "once per interval");
            assertEquals(secondBefore + 1, secondStats.stats().size(), "once per interval");

            sliced.sampleSlice();
            assertEquals(firstBefore + 2, firstStats.stats().size(), "the next interval starts with slice 0 again");
            assertTrue(firstStats.stats().get(firstStats.stats().size() - 1).contains("\"state\":\"running\""));
        }
    }

    private ManagedServer server(final String invocation, final long diskCheckIntervalSeconds)
    {
        return server(invocation, diskCheckIntervalSeconds, sampler);
    }

    private ManagedServer server(final String invocation, final long diskCheckIntervalSeconds, final StatsSampler into)
    {
        final String uuid = UUID.randomUUID().toString();
        final ServerChannel channel = new ServerChannel(uuid, 1 << 20, "Tern");
        recorder = new ChannelRecorder(channel);
        final ServerDefinition definition = new ServerDefinition(
            uuid, invocation, Map.of(), StopType.COMMAND, "stop", List.of("ready"), MEMORY_LIMIT_MIB, false);
        final RuntimeSettings settings = new RuntimeSettings(
            150, 2000, 100, diskCheckIntervalSeconds, Duration.ofSeconds(10), Duration.ofSeconds(1), false, true, 60);
        final ManagedServer created = new ManagedServer(
            definition, root.resolve(uuid), settings, channel, controlWorker, new SystemEpochNanoClock());
        into.add(created);
        server = created;
        return created;
    }

    private void start()
    {
        server.power(PowerAction.START, null);
        recorder.awaitStatuses(STARTING, RUNNING);
    }

    private String awaitStats(final String fragment)
    {
        recorder.await("stats with " + fragment, r -> r.stats().stream().anyMatch(json -> json.contains(fragment)));
        return recorder.stats().stream().filter(json -> json.contains(fragment)).reduce((a, b) -> b).orElseThrow();
    }

    private static long number(final String json, final String key)
    {
        final Matcher matcher = Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
        assertTrue(matcher.find(), key + " in " + json);
        return Long.parseLong(matcher.group(1));
    }
}
