package io.tern.transport;

import io.tern.engine.Engine;
import io.tern.engine.EngineConfig;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's lifecycle: binding, ports, closing.
 */
class WebsocketServerTest
{
    private Engine engine;

    @BeforeEach
    void startEngine()
    {
        engine = new Engine(new EngineConfig(), new SystemEpochNanoClock(), "key".getBytes(StandardCharsets.UTF_8), 0);
        engine.start();
    }

    @AfterEach
    void stopEngine()
    {
        engine.close();
    }

    private static TransportOptions loopback(final int port)
    {
        final TransportOptions options = new TransportOptions();
        options.host = "127.0.0.1";
        options.port = port;
        options.ioThreads = 1;
        options.workerThreads = 1;
        return options;
    }

    @Test
    void reportsABusyPortWithTheAddress() throws Exception
    {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             WebsocketServer server = new WebsocketServer(engine, loopback(busy.getLocalPort())))
        {
            final IllegalStateException failure = assertThrows(IllegalStateException.class, server::start);

            assertTrue(failure.getMessage().contains("127.0.0.1:" + busy.getLocalPort()), failure.getMessage());
        }
    }

    @Test
    void closesWithoutHavingStarted()
    {
        final WebsocketServer server = new WebsocketServer(engine, loopback(0));

        server.close();
        server.close();
        assertThrows(IllegalStateException.class, server::port);
    }

    @Test
    void refusesATinyBufferSize()
    {
        final TransportOptions options = loopback(0);
        options.bufferSize = 64;

        final IllegalArgumentException failure = assertThrows(IllegalArgumentException.class, () -> new WebsocketServer(engine, options));

        assertTrue(failure.getMessage().contains("transport.buffer_size"), failure.getMessage());
    }
}
