package io.tern.daemon.config;

import io.tern.engine.EngineConfig;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DaemonConfigTest
{
    private static final String TOKEN = "demo-token-0123456789-0123456789-abcdef";
    private static final ServerDefinition DEMO_SERVER = new ServerDefinition(
        "8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10", "./demo.sh", Map.of(), ServerDefinition.StopType.SIGNAL, "SIGTERM",
        List.of(), 0, false);

    @Test
    void demoListensOnLoopbackAndAcceptsAnyOrigin()
    {
        final DaemonConfig config = DaemonConfig.demo(9090, Path.of("/tmp/tern-demo"), TOKEN, DEMO_SERVER, PerfProfile.defaults());
        assertTrue(config.isDemo());
        assertNull(config.source());
        assertEquals("127.0.0.1", config.apiHost());
        assertEquals(9090, config.apiPort());
        assertEquals(List.of("*"), config.allowedOrigins());
        assertEquals(Path.of("/tmp/tern-demo"), config.dataDirectory());
        assertEquals(List.of(DEMO_SERVER), config.servers());
        assertArrayEquals(TOKEN.getBytes(StandardCharsets.UTF_8), config.token());
        assertEquals("Tern", config.appName());
        assertTrue(config.compression());
    }

    @Test
    void fillsTheEngineConfigFromYamlAndProfile() throws ConfigException
    {
        final PerfProfile profile = PerfProfile.parse("p", new StringReader("engine.ring_size=512\nsession.write_timeout=7s\n"));
        final DaemonConfig.Builder builder = new DaemonConfig.Builder(TOKEN, profile);
        builder.appName = "Acme";
        builder.requireScope = true;
        builder.authTimeoutMillis = 5_000;
        builder.reauthGraceMillis = 9_000;
        builder.maxConnectionsPerServer = 12;
        final EngineConfig engine = builder.build().toEngineConfig();
        assertEquals("Acme", engine.appName);
        assertTrue(engine.requireScope);
        assertEquals(5_000, engine.authTimeoutMillis);
        assertEquals(9_000, engine.reauthGraceMillis);
        assertEquals(12, engine.maxConnectionsPerServer);
        assertEquals(512, engine.ringSize);
        assertEquals(7_000, engine.writeTimeoutMillis);
        assertEquals(new EngineConfig().waitStrategy, engine.waitStrategy);
    }

    @Test
    void defaultsMatchTheEngineDefaults()
    {
        final EngineConfig fromDaemon = DaemonConfig.demo(1, Path.of("d"), TOKEN, DEMO_SERVER, PerfProfile.defaults()).toEngineConfig();
        final EngineConfig engine = new EngineConfig();
        assertEquals(engine.appName, fromDaemon.appName);
        assertEquals(engine.requireScope, fromDaemon.requireScope);
        assertEquals(engine.authTimeoutMillis, fromDaemon.authTimeoutMillis);
        assertEquals(engine.reauthGraceMillis, fromDaemon.reauthGraceMillis);
        assertEquals(engine.maxConnectionsPerServer, fromDaemon.maxConnectionsPerServer);
    }

    @Test
    void profileCompressionAppliesWhenTheYamlIsSilent() throws ConfigException
    {
        final PerfProfile noCompression = PerfProfile.parse("p", new StringReader("websocket.compression=false\n"));
        assertFalse(DaemonConfig.demo(1, Path.of("d"), TOKEN, DEMO_SERVER, noCompression).compression());
    }

    @Test
    void toStringNeverShowsTheToken()
    {
        final DaemonConfig config = DaemonConfig.demo(1, Path.of("d"), TOKEN, DEMO_SERVER, PerfProfile.defaults());
        final String text = config.toString();
        assertFalse(text.contains(TOKEN), text);
        assertTrue(text.contains("hidden"), text);
    }

    @Test
    void tokenIsCopiedOnEachCall()
    {
        final DaemonConfig config = DaemonConfig.demo(1, Path.of("d"), TOKEN, DEMO_SERVER, PerfProfile.defaults());
        final byte[] first = config.token();
        first[0] = 0;
        assertNotSame(first, config.token());
        assertEquals('d', config.token()[0]);
    }
}
