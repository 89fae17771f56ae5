package io.tern.engine.fanout;

import io.tern.engine.server.ResourceUsage;
import io.tern.engine.server.ServerState;
import io.tern.engine.testing.HandlerHarness;
import io.tern.engine.testing.RecordingSink;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FanoutAgentTest
{
    private final HandlerHarness harness = new HandlerHarness();

    private void console(final String line)
    {
        final byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        harness.channel.publishConsole(bytes, 0, bytes.length);
    }

    @Test
    void deliversTheSameEncodedFrameToEverySubscribedSession()
    {
        final RecordingSink a = harness.authenticated("*");
        final RecordingSink b = harness.authenticated("websocket.connect");
        final RecordingSink unauthenticated = harness.open();
        console("\u001b[32mhello\u001b[0m");
        harness.channel.publishStatus(ServerState.STARTING);
        harness.pumpFanout();
        final List<String> expected = List.of("{\"event\":\"console output\",\"args\":[\"\\u001b[32mhello\\u001b[0m\"]}",
            "{\"event\":\"status\",\"args\":[\"starting\"]}");
        assertEquals(expected, a.drain());
        assertEquals(expected, b.drain());
        assertEquals(List.of(), unauthenticated.drain());
    }

    @Test
    void aSubscriptionThatMissedAStateChangeSendsTheCurrentState()
    {
        // The handler told the session "offline"; the server went on to running before the agent
        // took the subscription, so the record of that change was read without this session.
        final RecordingSink sink = harness.authenticated("*");
        harness.control.state = ServerState.RUNNING;

        harness.fanout.subscribe(sink.session, ServerState.OFFLINE);
        harness.pumpFanout();
        assertEquals(List.of(), sink.drain(), "the record of running was not read yet: it will come like any other");

        harness.channel.publishStatus(ServerState.RUNNING);
        harness.fanout.unsubscribe(sink.session);
        harness.pumpFanout();
        assertEquals(List.of(), sink.drain(), "read while the session was not subscribed");

        harness.fanout.subscribe(sink.session, ServerState.OFFLINE);
        harness.pumpFanout();
        assertEquals(List.of("{\"event\":\"status\",\"args\":[\"running\"]}"), sink.drain());

        harness.fanout.subscribe(sink.session, ServerState.RUNNING);
        harness.pumpFanout();
        assertEquals(List.of(), sink.drain(), "a session told the current state gets nothing more");
    }

    @Test
    void installOutputNeedsTheAdminPermission()
    {
        final RecordingSink owner = harness.authenticated("*");
        final RecordingSink admin = harness.authenticated("*", "admin.websocket.install");
        final byte[] line = "installing".getBytes(StandardCharsets.UTF_8);
        harness.channel.publishInstallOutput(line, 0, line.length);
        harness.channel.publishEvent("install completed", "");
        harness.pumpFanout();
        assertEquals(List.of("{\"event\":\"install completed\",\"args\":[\"\"]}"), owner.drain());
        assertEquals(List.of("{\"event\":\"install output\",\"args\":[\"installing\"]}",
            "{\"event\":\"install completed\",\"args\":[\"\"]}"), admin.drain());
    }

    @Test
    void statsAndDaemonConsoleLinesAreEncodedAsTheProtocolSays()
    {
        final RecordingSink sink = harness.authenticated("*");
        final ResourceUsage usage = new ResourceUsage();
        usage.memoryBytes = 524288000;
        usage.cpuAbsolute = 12.3456;
        usage.state = ServerState.RUNNING;
        harness.channel.publishStats(usage);
        harness.channel.publishDaemonConsole("Server is outputting console data too quickly -- throttling...");
        harness.pumpFanout();
        final List<String> frames = sink.drain();
        assertTrue(frames.get(0).contains("\\\"memory_bytes\\\":524288000,") && frames.get(0).contains("\\\"cpu_absolute\\\":12.346,"));
        assertEquals("{\"event\":\"console output\",\"args\":[\"\\u001b[33m\\u001b[1m[Tern Daemon]:\\u001b[39m "
            + "Server is outputting console data too quickly -- throttling...\\u001b[0m\"]}", frames.get(1));
    }

    @Test
    void aLappedReceiverIsCountedAndReportedToTheSessions()
    {
        final RecordingSink sink = harness.authenticated("*");
        for (int i = 0; i < 4000; i++)
        {
            console("line " + i + " padding padding padding");
        }
        harness.pumpFanout();
        final List<String> frames = sink.drain();
        assertEquals(1, harness.fanout.laps());
        assertTrue(frames.get(0).startsWith("{\"event\":\"daemon message\""), frames.get(0));
    }

    @Test
    void longLinesAreSplitIntoRecordsThatFitTheBuffer()
    {
        final RecordingSink sink = harness.authenticated("*");
        final String line = "\u00e9".repeat(5000);
        console(line);
        for (int i = 0; i < 4; i++)
        {
            harness.pumpFanout();
        }
        final StringBuilder joined = new StringBuilder();
        for (final String frame : sink.drain())
        {
            joined.append(frame, "{\"event\":\"console output\",\"args\":[\"".length(), frame.length() - 3);
        }
        assertEquals(line, joined.toString());
    }
}
