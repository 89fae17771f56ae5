package io.tern.daemon.process;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConsoleHistoryTest
{
    @Test
    void replaysTheLastLinesOldestFirst()
    {
        final ConsoleHistory history = new ConsoleHistory(3);
        for (int i = 1; i <= 5; i++)
        {
            append(history, "line " + i);
        }

        assertEquals(List.of("line 3", "line 4", "line 5"), replay(history));
        assertEquals(3, history.size());
    }

    @Test
    void replaysFewerLinesThanCapacity()
    {
        final ConsoleHistory history = new ConsoleHistory(150);
        append(history, "a");
        append(history, "b");

        assertEquals(List.of("a", "b"), replay(history));
    }

    @Test
    void replayedLinesAreCopies()
    {
        final ConsoleHistory history = new ConsoleHistory(2);
        final byte[] source = "original".getBytes(StandardCharsets.UTF_8);
        history.append(source, 0, source.length);
        source[0] = 'X';
        final List<byte[]> replayed = new ArrayList<>();
        history.replay((bytes, offset, length) -> replayed.add(bytes));

        append(history, "overwrites nothing already replayed");
        append(history, "third");

        assertEquals("original", new String(replayed.get(0), StandardCharsets.UTF_8));
    }

    @Test
    void reusedSlotsHoldLongerAndShorterLines()
    {
        final ConsoleHistory history = new ConsoleHistory(1);
        append(history, "short");
        append(history, "a much longer line than before");
        append(history, "tiny");

        assertEquals(List.of("tiny"), replay(history));
    }

    @Test
    void clearForgetsEverything()
    {
        final ConsoleHistory history = new ConsoleHistory(3);
        append(history, "a");
        history.clear();
        append(history, "b");

        assertEquals(List.of("b"), replay(history));
    }

    @Test
    void zeroCapacityKeepsNothing()
    {
        final ConsoleHistory history = new ConsoleHistory(0);
        append(history, "a");

        assertEquals(List.of(), replay(history));
    }

    @Test
    void appendsFromOneThreadWhileAnotherReplays() throws InterruptedException
    {
        final ConsoleHistory history = new ConsoleHistory(50);
        final Thread writer = new Thread(() ->
        {
            for (int i = 0; i < 20_000; i++)
            {
                append(history, "line " + i);
            }
        });
        writer.start();
        while (writer.isAlive())
        {
            final List<String> lines = replay(history);
            for (int i = 1; i < lines.size(); i++)
            {
                assertEquals(number(lines.get(i - 1)) + 1, number(lines.get(i)), "consecutive lines in order");
            }
        }
        writer.join();
        assertEquals("line 19999", replay(history).get(49));
    }

    private static int number(final String line)
    {
        return Integer.parseInt(line.substring(5));
    }

    private static void append(final ConsoleHistory history, final String line)
    {
        final byte[] bytes = ("xx" + line).getBytes(StandardCharsets.UTF_8);
        history.append(bytes, 2, bytes.length - 2);
    }

    private static List<String> replay(final ConsoleHistory history)
    {
        final List<String> lines = new ArrayList<>();
        history.replay((bytes, offset, length) -> lines.add(new String(bytes, offset, length, StandardCharsets.UTF_8)));
        return lines;
    }
}
