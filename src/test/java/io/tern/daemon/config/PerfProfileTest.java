package io.tern.daemon.config;

import io.tern.engine.EngineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerfProfileTest
{
    /** The repository root, where perf/ lives; surefire runs in the daemon module's directory. */
    private static final Path REPOSITORY = findRepository();
    private static final ClassLoader NO_RESOURCES = new URLClassLoader(new URL[0], null);

    @TempDir
    Path temp;

    @Test
    void balancedIsExactlyTheDefaults() throws ConfigException
    {
        final PerfProfile balanced = PerfProfile.load("balanced", REPOSITORY, NO_RESOURCES);
        assertTrue(balanced.source().endsWith("perf/balanced.properties"), balanced.source());
        assertSameEngineValues(new EngineConfig(), engineOf(balanced));
        assertEquals(PerfProfile.DEFAULT_IO_THREADS, balanced.ioThreads());
        assertEquals(PerfProfile.DEFAULT_BUFFER_SIZE, balanced.bufferSize());
        assertEquals(PerfProfile.DEFAULT_SEND_BUFFER, balanced.sendBuffer());
        assertEquals(PerfProfile.defaults().sendBuffer(), balanced.sendBuffer());
        assertEquals(new EngineConfig().fanoutThreads, balanced.fanoutThreads());
        assertNull(balanced.compression());
        assertSameEngineValues(engineOf(PerfProfile.defaults()), engineOf(balanced));
    }

    @Test
    void lowLatencySpinsWithSmallRingsAndNoCompression() throws ConfigException
    {
        final PerfProfile profile = PerfProfile.load("low-latency", REPOSITORY, NO_RESOURCES);
        assertEquals("busy-spin", profile.waitStrategy());
        assertEquals("yielding", profile.fanoutIdle());
        assertTrue(profile.ringSize() < new EngineConfig().ringSize);
        assertEquals(Boolean.FALSE, profile.compression());
        assertEquals(10, profile.tickIntervalMillis());
    }

    @Test
    void highDensityBlocksWithLargeBuffersAndSmallBudgets() throws ConfigException
    {
        final PerfProfile profile = PerfProfile.load("high-density", REPOSITORY, NO_RESOURCES);
        final EngineConfig defaults = new EngineConfig();
        assertEquals("blocking", profile.waitStrategy());
        assertEquals("sleeping", profile.fanoutIdle());
        assertTrue(profile.ringSize() > defaults.ringSize);
        assertTrue(profile.broadcastCapacity() > defaults.broadcastCapacity);
        assertEquals(64 * 1024, profile.outboundBudgetBytes());
        assertEquals(8 * 1024, profile.bufferSize());
        assertEquals(64 * 1024, profile.sendBuffer());
        assertNull(profile.compression());
    }

    @Test
    void shipsThreeProfilesThatEachLoadByPath() throws IOException, ConfigException
    {
        final List<Path> files;
        try (Stream<Path> listing = Files.list(REPOSITORY.resolve("perf")))
        {
            files = listing.filter(f -> f.toString().endsWith(".properties")).sorted().collect(Collectors.toList());
        }
        assertEquals(3, files.size(), files.toString());
        for (final Path file : files)
        {
            assertEquals(file.toString(), PerfProfile.load(file.toString(), temp, NO_RESOURCES).source());
        }
    }

    @Test
    void appliesItsValuesToTheEngineConfig() throws ConfigException
    {
        final PerfProfile profile = PerfProfile.parse("test.properties", new StringReader(
            "engine.ring_size=2048\nengine.wait_strategy=yielding\nengine.fanout_idle=busy-spin\n" +
            "engine.tick_interval=50\nengine.broadcast_capacity=512KiB\nsession.outbound_budget=100000\n" +
            "session.outbound_queue=64\nsession.write_timeout=5s\nwebsocket.ping_interval=10s\n" +
            "websocket.pong_timeout=20s\ntransport.io_threads=3\ntransport.buffer_size=4096\nwebsocket.compression=true\n" +
            "engine.fanout_threads=3\ntransport.send_buffer=0\n"));
        final EngineConfig engine = engineOf(profile);
        assertEquals(2048, engine.ringSize);
        assertEquals("yielding", engine.waitStrategy);
        assertEquals("busy-spin", engine.fanoutIdle);
        assertEquals(50, engine.tickIntervalMillis);
        assertEquals(512 * 1024, engine.broadcastCapacity);
        assertEquals(100_000, engine.outboundBudgetBytes);
        assertEquals(64, engine.outboundQueueFrames);
        assertEquals(5_000, engine.writeTimeoutMillis);
        assertEquals(10_000, engine.pingIntervalMillis);
        assertEquals(20_000, engine.pongTimeoutMillis);
        assertEquals(3, profile.ioThreads());
        assertEquals(4096, profile.bufferSize());
        assertEquals(Boolean.TRUE, profile.compression());
        assertEquals(3, engine.fanoutThreads);
        assertEquals(0, profile.sendBuffer(), "0 leaves the send buffer to the kernel");
    }

    @Test
    void leavesYamlOwnedEngineFieldsAlone() throws ConfigException
    {
        final EngineConfig engine = new EngineConfig();
        engine.appName = "Custom";
        engine.authTimeoutMillis = 1234;
        PerfProfile.parse("p", new StringReader("engine.ring_size=2\n")).applyTo(engine);
        assertEquals("Custom", engine.appName);
        assertEquals(1234, engine.authTimeoutMillis);
        assertEquals(2, engine.ringSize);
    }

    @Test
    void rejectsAnUnknownKeyNamingItAndTheFile()
    {
        final ConfigException ex = assertThrows(ConfigException.class,
            () -> PerfProfile.parse("perf/mine.properties", new StringReader("engine.ringsize=1024\n")));
        assertTrue(ex.getMessage().startsWith("config error in perf/mine.properties: unknown key engine.ringsize;"), ex.getMessage());
        assertTrue(ex.getMessage().contains(PerfProfile.RING_SIZE), ex.getMessage());
    }

    @Test
    void rejectsYamlOnlyKeys()
    {
        final ConfigException ex = assertThrows(ConfigException.class,
            () -> PerfProfile.parse("p.properties", new StringReader("app_name=Mine\n")));
        assertTrue(ex.getMessage().contains("unknown key app_name"), ex.getMessage());
    }

    @Test
    void rejectsBadValuesNamingTheKey()
    {
        assertBad("engine.ring_size=1000", "engine.ring_size must be a power of two between 2 and 1073741824, not 1000");
        assertBad("engine.ring_size=big", "engine.ring_size must be a whole number, not \"big\"");
        assertBad("engine.ring_size=0", "engine.ring_size must be at least 2, not 0");
        assertBad("engine.broadcast_capacity=100KiB", "engine.broadcast_capacity must be a power of two");
        assertBad("session.outbound_queue=3", "session.outbound_queue must be a power of two");
        assertBad("session.outbound_budget=0", "session.outbound_budget must be between 1 and");
        assertBad("session.outbound_budget=lots", "session.outbound_budget must be a byte count such as 16384, 64KiB or 1MiB, not \"lots\"");
        assertBad("engine.wait_strategy=spin", "engine.wait_strategy must be one of blocking, sleeping, yielding, busy-spin, not \"spin\"");
        assertBad("engine.fanout_idle=blocking", "engine.fanout_idle must be one of backoff, sleeping, yielding, busy-spin, not \"blocking\"");
        assertBad("engine.tick_interval=0", "engine.tick_interval must be at least 1ms, not 0");
        assertBad("session.write_timeout=soon", "session.write_timeout must be a duration such as 500ms, 30s or 10m, not \"soon\"");
        assertBad("transport.io_threads=0", "transport.io_threads must be at least 1, not 0");
        assertBad("websocket.compression=yes", "websocket.compression must be true or false, not \"yes\"");
        assertBad("websocket.ping_interval=30s\nwebsocket.pong_timeout=10s",
            "websocket.pong_timeout (10s) must be at least websocket.ping_interval (30s)");
    }

    @Test
    void findsANamedProfileOnTheClasspathWhenNotInTheWorkingDirectory() throws Exception
    {
        final Path jarRoot = temp.resolve("jar");
        Files.createDirectories(jarRoot.resolve("perf"));
        Files.writeString(jarRoot.resolve("perf/packaged.properties"), "engine.ring_size=256\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[]{jarRoot.toUri().toURL()}, null))
        {
            final PerfProfile profile = PerfProfile.load("packaged", temp.resolve("empty"), loader);
            assertEquals(256, profile.ringSize());
            assertEquals("classpath:perf/packaged.properties", profile.source());
        }
    }

    @Test
    void prefersTheWorkingDirectoryOverTheClasspath() throws Exception
    {
        final Path jarRoot = temp.resolve("jar");
        Files.createDirectories(jarRoot.resolve("perf"));
        Files.writeString(jarRoot.resolve("perf/mine.properties"), "engine.ring_size=256\n");
        Files.createDirectories(temp.resolve("cwd/perf"));
        Files.writeString(temp.resolve("cwd/perf/mine.properties"), "engine.ring_size=512\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[]{jarRoot.toUri().toURL()}, null))
        {
            assertEquals(512, PerfProfile.load("mine", temp.resolve("cwd"), loader).ringSize());
        }
    }

    @Test
    void loadsAProfileByPath() throws Exception
    {
        final Path file = temp.resolve("custom.properties");
        Files.writeString(file, "engine.ring_size=8192\n");
        assertEquals(8192, PerfProfile.load(file.toString(), temp.resolve("elsewhere"), NO_RESOURCES).ringSize());
    }

    @Test
    void reportsAMissingProfile()
    {
        final ConfigException ex = assertThrows(ConfigException.class, () -> PerfProfile.load("turbo", temp, NO_RESOURCES));
        assertTrue(ex.getMessage().startsWith("config error in profile \"turbo\": not found as "), ex.getMessage());
        final ConfigException byPath = assertThrows(ConfigException.class,
            () -> PerfProfile.load("missing.properties", temp, NO_RESOURCES));
        assertTrue(byPath.getMessage().endsWith("missing.properties: file not found"), byPath.getMessage());
    }

    @Test
    void balancedFallsBackToTheDefaultsWhenNotPackaged() throws ConfigException
    {
        final PerfProfile profile = PerfProfile.load(PerfProfile.DEFAULT_NAME, temp, NO_RESOURCES);
        assertEquals("built-in defaults", profile.source());
        assertSameEngineValues(new EngineConfig(), engineOf(profile));
    }

    @Test
    void toStringListsEveryKey()
    {
        final String text = PerfProfile.defaults().toString();
        for (final String key : PerfProfile.KEYS)
        {
            assertTrue(text.contains(key + "="), key);
        }
        assertFalse(text.contains("null"));
    }

    private static void assertBad(final String properties, final String expectedDetail)
    {
        final ConfigException ex = assertThrows(ConfigException.class,
            () -> PerfProfile.parse("perf/bad.properties", new StringReader(properties)), properties);
        assertEquals("perf/bad.properties", ex.source());
        assertTrue(ex.detail().startsWith(expectedDetail), ex.getMessage());
        assertTrue(ex.getMessage().startsWith("config error in perf/bad.properties: "), ex.getMessage());
    }

    private static EngineConfig engineOf(final PerfProfile profile)
    {
        final EngineConfig engine = new EngineConfig();
        profile.applyTo(engine);
        return engine;
    }

    /** Compares every public field, so a field added to EngineConfig is covered too. */
    private static void assertSameEngineValues(final EngineConfig expected, final EngineConfig actual)
    {
        for (final Field field : EngineConfig.class.getFields())
        {
            if (Modifier.isStatic(field.getModifiers()))
            {
                continue;
            }
            try
            {
                assertEquals(field.get(expected), field.get(actual), field.getName());
            }
            catch (final IllegalAccessException ex)
            {
                throw new AssertionError(ex);
            }
        }
    }

    private static Path findRepository()
    {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("perf")))
        {
            dir = dir.getParent();
        }
        if (dir == null)
        {
            throw new IllegalStateException("no perf/ directory above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
