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
}
