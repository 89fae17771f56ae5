package io.tern.engine;

import io.tern.engine.server.ServerHandle;
import io.tern.engine.session.Session;
import io.tern.engine.testing.ManualClock;
import io.tern.engine.testing.RecordingSink;
import io.tern.engine.testing.TestServerControl;
import io.tern.engine.testing.TestTokens;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EngineTest
{
    @Test
    void deletingAServerSendsDeletedThenClose1001AndRemovesTheRoute() throws Exception
    {
        final ManualClock clock = new ManualClock(1_800_000_000L);
        try (Engine engine = new Engine(new EngineConfig(), clock, TestTokens.KEY.getBytes(StandardCharsets.UTF_8), 0))
        {
            engine.registerServer(new TestServerControl("s"));
            engine.start();
            final ServerHandle server = engine.server("s");
            server.tryReserveConnection();
            final RecordingSink sink = new RecordingSink();
            final Session session = engine.openSession(server, sink,
                engine.verifyUpgradeToken("s", TestTokens.token("s", clock.epochSeconds()).sign()));
            sink.session = session;
            assertTrue(engine.deleteServer("s").get(5, TimeUnit.SECONDS));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (sink.closeCode < 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
            final java.util.List<String> frames = sink.drain();
            assertEquals("{\"event\":\"deleted\",\"args\":[\"null\"]}", frames.get(frames.size() - 1));
            assertEquals(1001, sink.closeCode);
            assertEquals("server deleted", sink.closeReason);
            assertEquals(null, engine.server("s"));
            assertTrue(!engine.deleteServer("s").get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void openAndCloseNeverParkAnIoThreadOnAFullRing() throws Exception
    {
        final EngineConfig config = new EngineConfig();
        config.ringSize = 4;
        final ManualClock clock = new ManualClock(1_800_000_000L);
        try (Engine engine = new Engine(config, clock, TestTokens.KEY.getBytes(StandardCharsets.UTF_8), 0))
        {
            engine.registerServer(new TestServerControl("s"));
            engine.start();
            final ServerHandle server = engine.server("s");
            final CountDownLatch release = blockHandler(engine);
            final java.util.List<RecordingSink> sinks = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++)
            {
                assertTrue(server.tryReserveConnection());
                final RecordingSink sink = new RecordingSink();
                engine.onClosed(engine.openSession(server, sink, null));
                sinks.add(sink);
            }
            assertTrue(sinks.stream().anyMatch(sink -> sink.closeCode == 1013), "an OPEN that found the ring full was refused");
            release.countDown();
            engine.tick();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (server.connections() > 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(5);
                engine.tick();
            }
            assertEquals(0, server.connections(), "every connection slot came back, late closes included");
        }
    }

    @Test
    void countersTrackFramesInAndOutAndRefusals() throws Exception
    {
        final io.tern.engine.testing.HandlerHarness harness = new io.tern.engine.testing.HandlerHarness();
        final RecordingSink sink = harness.open();
        for (int i = 0; i < 11; i++)
        {
            harness.send(sink, "x");
        }
        final EngineCounters counters = harness.counters;
        assertEquals(10, counters.framesIn.get(0));
        assertEquals(1, counters.rateLimited.get(0));
        assertEquals(1, counters.framesOut.get(EngineCounters.OUT_THROTTLED));
        assertEquals(1, counters.handlerGauges.get(0));
    }

    @Test
    void aFullInboundRingClosesTheConnectionWith1013InsteadOfBlockingTheIoThread() throws Exception
    {
        final EngineConfig config = new EngineConfig();
        config.ringSize = 4;
        final ManualClock clock = new ManualClock(1_800_000_000L);
        try (Engine engine = new Engine(config, clock, TestTokens.KEY.getBytes(StandardCharsets.UTF_8), 0))
        {
            engine.registerServer(new TestServerControl("s"));
            engine.start();
            final ServerHandle server = engine.server("s");
            assertTrue(server.tryReserveConnection());
            final RecordingSink sink = new RecordingSink();
            final Session session = engine.openSession(server, sink, null);
            sink.session = session;
            final CountDownLatch release = blockHandler(engine);
            for (int i = 0; i < 10; i++)
            {
                engine.onText(session, new ByteBuffer[] {ByteBuffer.wrap("x".getBytes(StandardCharsets.UTF_8))});
            }
            release.countDown();
            assertEquals(1013, sink.closeCode);
            assertEquals("server overloaded", sink.closeReason);
            assertTrue(engine.inboundOverflows() > 0);
        }
    }

    /**
     * Parks the handler thread on a task until the returned latch is released, so the ring fills.
     */
    private static CountDownLatch blockHandler(final Engine engine) throws InterruptedException
    {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch blocked = new CountDownLatch(1);
        engine.execute(() ->
        {
            blocked.countDown();
            try
            {
                release.await(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(blocked.await(5, TimeUnit.SECONDS));
        return release;
    }
}
