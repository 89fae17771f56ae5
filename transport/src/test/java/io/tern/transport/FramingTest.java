package io.tern.transport;

import io.tern.transport.testing.RawWebSocketClient;
import io.tern.transport.testing.RawWebSocketClient.Frame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static io.tern.transport.TransportFixture.REMOTE;
import static io.tern.transport.TransportFixture.path;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tern's own RFC 6455 framing on the upgraded socket ({@link FrameReader}, {@link Connection}):
 * protocol errors, frames split across reads, fragments with control frames in between, the
 * Ping limit, and writes that fill the socket and resume when it drains.
 */
class FramingTest
{
    private static final String SEND_STATS = "{\"event\":\"send stats\",\"args\":[null]}";

    private TransportFixture fixture;

    @AfterEach
    void stop()
    {
        if (fixture != null)
        {
            fixture.close();
        }
    }

    private static void authenticate(final RawWebSocketClient client) throws Exception
    {
        client.sendText("{\"event\":\"auth\",\"args\":[\"" + TransportFixture.token() + "\"]}");
        assertEquals("{\"event\":\"auth success\"}", client.readText().strip());
        client.readEvent("stats");
    }

    private void assertProtocolError(final byte[] rawFrame) throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            client.sendRaw(rawFrame, rawFrame.length);

            final Frame close = client.readClose();
            assertEquals(1002, close.closeCode());
            assertTrue(client.awaitEndOfStream());
        }
        TransportFixture.await("slot released", () -> fixture.handle().connections() == 0);
    }

    @Test
    void closesWith1002OnAnUnmaskedFrame() throws Exception
    {
        final byte[] payload = SEND_STATS.getBytes(StandardCharsets.UTF_8);
        final byte[] frame = new byte[2 + payload.length];
        frame[0] = (byte)0x81;
        frame[1] = (byte)payload.length;
        System.arraycopy(payload, 0, frame, 2, payload.length);
        assertProtocolError(frame);
    }

    @Test
    void closesWith1002OnAReservedOpcode() throws Exception
    {
        assertProtocolError(RawWebSocketClient.maskedFrame(true, 0x3, new byte[] {1}));
    }

    @Test
    void closesWith1002OnRsv1WithoutCompression() throws Exception
    {
        final byte[] frame = RawWebSocketClient.maskedFrame(true, 0x1, SEND_STATS.getBytes(StandardCharsets.UTF_8));
        frame[0] |= 0x40;
        assertProtocolError(frame);
    }

    @Test
    void closesWith1002OnAContinuationWithoutAMessage() throws Exception
    {
        assertProtocolError(RawWebSocketClient.maskedFrame(true, 0x0, new byte[] {'x'}));
    }

    @Test
    void closesWith1002OnAFragmentedPing() throws Exception
    {
        assertProtocolError(RawWebSocketClient.maskedFrame(false, 0x9, new byte[] {1}));
    }

    @Test
    void readsFramesSplitAcrossManyReads() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            final String auth = "{\"event\":\"auth\",\"args\":[\"" + TransportFixture.token() + "\"]}";
            final ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.writeBytes(RawWebSocketClient.maskedFrame(true, 0x1, auth.getBytes(StandardCharsets.UTF_8)));
            both.writeBytes(RawWebSocketClient.maskedFrame(true, 0x1, SEND_STATS.getBytes(StandardCharsets.UTF_8)));

            client.sendRaw(both.toByteArray(), 7);

            assertEquals("{\"event\":\"auth success\"}", client.readText().strip());
            client.readEvent("stats");
            assertTrue(client.readEvent("stats").startsWith("{\"event\":\"stats\""));
        }
    }

    @Test
    void answersAPingBetweenTheFragmentsOfAMessage() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            authenticate(client);
            final byte[] message = SEND_STATS.getBytes(StandardCharsets.UTF_8);
            final ByteArrayOutputStream frames = new ByteArrayOutputStream();
            frames.writeBytes(RawWebSocketClient.maskedFrame(false, 0x1, java.util.Arrays.copyOfRange(message, 0, 10)));
            frames.writeBytes(RawWebSocketClient.maskedFrame(true, 0x9, new byte[] {7, 8}));
            frames.writeBytes(RawWebSocketClient.maskedFrame(false, 0x0, java.util.Arrays.copyOfRange(message, 10, 20)));
            frames.writeBytes(RawWebSocketClient.maskedFrame(true, 0x0, java.util.Arrays.copyOfRange(message, 20, message.length)));

            client.sendRaw(frames.toByteArray(), frames.size());

            final Frame pong = client.readMessage();
            assertEquals(RawWebSocketClient.PONG, pong.opcode());
            assertArrayEquals(new byte[] {7, 8}, pong.payload());
            assertTrue(client.readEvent("stats").startsWith("{\"event\":\"stats\""), "the fragmented message was delivered");
        }
    }

    @Test
    void closesWith1008PastThreeHundredPingsAMinute() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            final ByteArrayOutputStream pings = new ByteArrayOutputStream();
            for (int i = 0; i <= FrameReader.PINGS_PER_MINUTE; i++)
            {
                pings.writeBytes(RawWebSocketClient.maskedFrame(true, 0x9, new byte[] {(byte)i}));
            }

            client.sendRaw(pings.toByteArray(), pings.size());

            int pongs = 0;
            Frame frame;
            while ((frame = client.readMessage()).opcode() == RawWebSocketClient.PONG)
            {
                pongs++;
            }
            assertEquals(RawWebSocketClient.CLOSE, frame.opcode());
            assertEquals(1008, frame.closeCode());
            assertTrue(pongs <= FrameReader.PINGS_PER_MINUTE && pongs > 0, pongs + " pongs");
        }
    }

    @Test
    void resumesWritesWhenAFullSocketDrains() throws Exception
    {
        // Budgets large enough that nothing is dropped: 8 MiB is more than the kernel buffers on
        // both sides of a loopback socket whose receiver has a 4 KiB window.
        fixture = new TransportFixture(options -> { }, config ->
        {
            config.outboundBudgetBytes = 16 << 20;
            config.broadcastCapacity = 16 << 20;
        });
        try (RawWebSocketClient client = new RawWebSocketClient("127.0.0.1", fixture.server.port(), 10_000, 4096))
        {
            assertEquals(101, client.upgrade(path(), RawWebSocketClient.headers("Origin", REMOTE)).status());
            authenticate(client);
            final int lines = 400;
            for (int i = 0; i < lines; i++)
            {
                final byte[] line = (i + ":" + "y".repeat(20_000)).getBytes(StandardCharsets.UTF_8);
                fixture.channel.publishConsole(line, 0, line.length);
            }

            for (int i = 0; i < lines; i++)
            {
                final String text = client.readEvent("console output");
                assertTrue(text.startsWith("{\"event\":\"console output\",\"args\":[\"" + i + ":yyy"), "line " + i + " in order");
                assertEquals(20_000 + String.valueOf(i).length() + 1 + "{\"event\":\"console output\",\"args\":[\"\"]}\n".length(),
                    text.length(), "line " + i + " whole");
            }
            client.sendText(SEND_STATS);
            assertTrue(client.readEvent("stats").startsWith("{\"event\":\"stats\""));
        }
    }

    @Test
    void writesFramesLargerThanOneSocketWrite() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            authenticate(client);
            // Quotes are escaped to \" : 30,000 of them become a 60 KiB frame, with its header
            // and the next frame more than the 64 KiB written at once.
            final byte[] line = "\"".repeat(30_000).getBytes(StandardCharsets.UTF_8);
            fixture.channel.publishConsole(line, 0, line.length);
            fixture.channel.publishConsole(line, 0, line.length);

            for (int i = 0; i < 2; i++)
            {
                final String text = client.readEvent("console output");
                assertEquals("{\"event\":\"console output\",\"args\":[\"" + "\\\"".repeat(30_000) + "\"]}\n", text);
            }
        }
    }
}
