package io.tern.daemon.server;

import io.tern.engine.fanout.RecordType;
import io.tern.engine.fanout.ServerChannel;
import io.tern.engine.server.ServerState;
import org.agrona.concurrent.broadcast.CopyBroadcastReceiver;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Reads a {@link ServerChannel} back the way the fan-out does, for tests: every record in order,
 * decoded. Polled by the test thread only.
 */
public final class ChannelRecorder
{
    /** How long any wait for a real process may take before the test fails. */
    public static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final ServerChannel channel;
    private final CopyBroadcastReceiver receiver;
    private final List<Entry> entries = new ArrayList<>();

    /**
     * @param channel the channel; only records published after this call are seen.
     */
    public ChannelRecorder(final ServerChannel channel)
    {
        this.channel = channel;
        this.receiver = new CopyBroadcastReceiver(channel.newReceiver());
    }

    /**
     * @return every record received so far, in publication order.
     */
    public List<Entry> entries()
    {
        poll();
        return new ArrayList<>(entries);
    }

    /**
     * @return the {@code status} records so far.
     */
    public List<ServerState> statuses()
    {
        final List<ServerState> statuses = new ArrayList<>();
        for (final Entry entry : entries())
        {
            if (entry.type == RecordType.STATUS)
            {
                statuses.add(entry.status());
            }
        }
        return statuses;
    }

    /**
     * @return the {@code console output} lines so far, process and daemon lines alike.
     */
    public List<String> console()
    {
        return texts(RecordType.CONSOLE_OUTPUT);
    }

    /**
     * @return every record so far except {@code stats}, each as {@link Entry#describe()}, in publication order.
     */
    public List<String> timeline()
    {
        final List<String> timeline = new ArrayList<>();
        for (final Entry entry : entries())
        {
            if (entry.type != RecordType.STATS)
            {
                timeline.add(entry.describe());
            }
        }
        return timeline;
    }

    /**
     * Waits until {@link #timeline()} holds {@code item}.
     *
     * @param item an {@link Entry#describe()} text.
     */
    public void awaitTimeline(final String item)
    {
        await("'" + item + "' in the timeline", recorder -> recorder.timeline().contains(item));
    }

    /**
     * @return the {@code stats} JSON payloads so far.
     */
    public List<String> stats()
    {
        return texts(RecordType.STATS);
    }

    /**
     * @param text a daemon console notice.
     * @return the console line the channel publishes for it.
     */
    public String daemonLine(final String text)
    {
        return new String(channel.daemonConsoleLine(text), StandardCharsets.UTF_8);
    }

    /**
     * Waits until the statuses so far equal {@code expected}.
     *
     * @param expected the whole expected status sequence.
     */
    public void awaitStatuses(final ServerState... expected)
    {
        final List<ServerState> wanted = List.of(expected);
        await("statuses " + wanted, recorder -> recorder.statuses().equals(wanted));
    }

    /**
     * Waits until a console line equal to {@code line} was published.
     *
     * @param line the line.
     */
    public void awaitConsole(final String line)
    {
        await("console line '" + line + "'", recorder -> recorder.console().contains(line));
    }

    /**
     * Polls until {@code condition} holds, failing after {@link #TIMEOUT}.
     *
     * @param what      description for the failure message.
     * @param condition the condition.
     */
    public void await(final String what, final Predicate<ChannelRecorder> condition)
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.test(this))
        {
            if (System.nanoTime() > deadline)
            {
                fail("timed out waiting for " + what + "; statuses " + statuses() + ", console " + console());
            }
            try
            {
                Thread.sleep(5);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    private List<String> texts(final int type)
    {
        final List<String> texts = new ArrayList<>();
        for (final Entry entry : entries())
        {
            if (entry.type == type)
            {
                texts.add(entry.text());
            }
        }
        return texts;
    }

    private void poll()
    {
        while (receiver.receive((type, buffer, index, length) ->
        {
            final byte[] payload = new byte[length];
            buffer.getBytes(index, payload);
            entries.add(new Entry(type, payload));
        }) > 0)
        {
            // drain
        }
    }

    /**
     * One received record.
     *
     * @param type    the {@link RecordType}.
     * @param payload its bytes.
     */
    public record Entry(int type, byte[] payload)
    {
        /**
         * @return the payload as UTF-8 text.
         */
        public String text()
        {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /**
         * @return the record as one readable line: {@code status running}, {@code console <line>},
         * {@code daemon message <text>}, {@code install output <line>}, {@code event <name> [<arg>]} or
         * {@code stats <json>}.
         */
        public String describe()
        {
            switch (type)
            {
                case RecordType.STATUS:
                    return "status " + status().wireName();
                case RecordType.CONSOLE_OUTPUT:
                    return "console " + text();
                case RecordType.DAEMON_MESSAGE:
                    return "daemon message " + text();
                case RecordType.INSTALL_OUTPUT:
                    return "install output " + text();
                case RecordType.STATS:
                    return "stats " + text();
                case RecordType.EVENT:
                    final int nameLength = payload[0];
                    return "event " + new String(payload, 1, nameLength, StandardCharsets.US_ASCII) + " [" +
                        new String(payload, 1 + nameLength, payload.length - 1 - nameLength, StandardCharsets.UTF_8) + "]";
                default:
                    return "record " + type;
            }
        }

        /**
         * @return the state of a {@code status} record.
         */
        public ServerState status()
        {
            return ServerState.values()[payload[0]];
        }
    }
}
