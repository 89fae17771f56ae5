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
    void spreadsServersOverTheFanoutAgentsAndDeliversEachServersLinesInOrder() throws Exception
    {
        final EngineConfig config = new EngineConfig();
        config.fanoutThreads = 3;
        final ManualClock clock = new ManualClock(1_800_000_000L);
        try (Engine engine = new Engine(config, clock, TestTokens.KEY.getBytes(StandardCharsets.UTF_8), 0))
        {
            final int servers = 6;
            final java.util.List<io.tern.engine.fanout.ServerChannel> channels = new java.util.ArrayList<>();
            for (int i = 0; i < servers; i++)
            {
                channels.add(engine.registerServer(new TestServerControl("s" + i)));
            }
            final int[] perShard = new int[3];
            for (int i = 0; i < servers; i++)
            {
                perShard[engine.server("s" + i).fanoutShard()]++;
            }
            assertEquals("[2, 2, 2]", java.util.Arrays.toString(perShard), "each new server goes to the least loaded agent");
            engine.start();
            final RecordingSink[] sinks = new RecordingSink[servers];
            for (int i = 0; i < servers; i++)
            {
                final ServerHandle server = engine.server("s" + i);
                assertTrue(server.tryReserveConnection());
                sinks[i] = new RecordingSink();
                sinks[i].session = engine.openSession(server, sinks[i],
                    engine.verifyUpgradeToken("s" + i, TestTokens.token("s" + i, clock.epochSeconds()).sign()));
            }
            // Subscriptions reach the agents asynchronously: warm up until every session sees a line.
            final boolean[] warm = new boolean[servers];
            final long subscribed = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int warmed = 0;
            while (warmed < servers && System.nanoTime() < subscribed)
            {
                for (int i = 0; i < servers; i++)
                {
                    final byte[] line = "warm".getBytes(StandardCharsets.UTF_8);
                    channels.get(i).publishConsole(line, 0, line.length);
                }
                Thread.sleep(10);
                for (int i = 0; i < servers; i++)
                {
                    if (!warm[i] && sinks[i].drain().stream().anyMatch(frame -> frame.contains("warm")))
                    {
                        warm[i] = true;
                        warmed++;
                    }
                }
            }
            assertEquals(servers, warmed, "every session subscribed");
            final int lines = 200;
            for (int n = 0; n < lines; n++)
            {
                for (int i = 0; i < servers; i++)
                {
                    final byte[] line = ("s" + i + " line " + n).getBytes(StandardCharsets.UTF_8);
                    channels.get(i).publishConsole(line, 0, line.length);
                }
            }
            for (int i = 0; i < servers; i++)
            {
                final java.util.List<String> console = new java.util.ArrayList<>();
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (console.size() < lines && System.nanoTime() < deadline)
                {
                    for (final String frame : sinks[i].drain())
                    {
                        if (frame.startsWith("{\"event\":\"console output\"") && !frame.contains("warm"))
                        {
                            console.add(frame);
                        }
                    }
                    Thread.sleep(2);
                }
                assertEquals(lines, console.size(), "server s" + i);
                for (int n = 0; n < lines; n++)
                {
                    assertEquals("{\"event\":\"console output\",\"args\":[\"s" + i + " line " + n + "\"]}", console.get(n));
                }
            }
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
