package io.tern.daemon.process;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ConsoleLineSplitterTest
{
    private static final int MAX = ConsoleLineSplitter.MAX_LINE_LENGTH;

    private final List<byte[]> lines = new ArrayList<>();
    private final ConsoleLineSplitter splitter = new ConsoleLineSplitter(
        (buffer, offset, length) -> lines.add(Arrays.copyOfRange(buffer, offset, offset + length)));

    @Test
    void removesLfAndCrLfTerminators()
    {
        feed("one\ntwo\r\nthree\n");

        assertEquals(List.of("one", "two", "three"), texts());
    }

    @Test
    void keepsEmptyLinesAndLoneCarriageReturns()
    {
        feed("\n\r\na\rb\n");

        assertEquals(List.of("", "", "a\rb"), texts());
    }

    @Test
    void turnsSpaceCarriageReturnIntoCrLf()
    {
        feed("progress 10% \rprogress 20% \rdone\n");

        assertEquals(List.of("progress 10%\r\nprogress 20%\r\ndone"), texts());
    }

    @Test
    void spaceBeforeTheLineEndsCrLfIsKept()
    {
        feed("trailing space \r\n");

        assertEquals(List.of("trailing space "), texts());
    }

    @Test
    void emitsTheUnterminatedLastLineAtEndOfStream() throws IOException
    {
        splitter.readFully(new ByteArrayInputStream("first\nlast without newline".getBytes(StandardCharsets.UTF_8)));

        assertEquals(List.of("first", "last without newline"), texts());
    }

    @Test
    void handlesTerminatorsSplitAcrossReads()
    {
        final byte[] input = "alpha\r\nbeta \rgamma\r\n".getBytes(StandardCharsets.UTF_8);
        for (final byte b : input)
        {
            splitter.onBytes(new byte[]{ b }, 0, 1);
        }

        assertEquals(List.of("alpha", "beta\r\ngamma"), texts());
    }

    @Test
    void cutsLongLinesAt65536BytesAndContinuesWithTheRest() throws IOException
    {
        final byte[] input = new byte[2 * MAX + 11];
        Arrays.fill(input, 0, MAX, (byte)'a');
        Arrays.fill(input, MAX, 2 * MAX, (byte)'b');
        Arrays.fill(input, 2 * MAX, 2 * MAX + 10, (byte)'c');
        input[input.length - 1] = '\n';

        splitter.readFully(new ByteArrayInputStream(input));

        assertEquals(3, lines.size());
        assertArrayEquals(Arrays.copyOfRange(input, 0, MAX), lines.get(0));
        assertArrayEquals(Arrays.copyOfRange(input, MAX, 2 * MAX), lines.get(1));
        assertEquals("cccccccccc", new String(lines.get(2), StandardCharsets.US_ASCII));
    }

    @Test
    void aLineOfExactlyTheMaximumEndedByCrLfIsOneLine()
    {
        final byte[] input = new byte[MAX + 2];
        Arrays.fill(input, (byte)'x');
        input[MAX] = '\r';
        input[MAX + 1] = '\n';

        splitter.onBytes(input, 0, MAX + 1);
        splitter.onBytes(input, MAX + 1, 1);

        assertEquals(1, lines.size());
        assertEquals(MAX, lines.get(0).length);
    }

    @Test
    void aCarriageReturnAfterAFullLineThatIsNotACrLfStartsTheNextLine()
    {
        final byte[] full = new byte[MAX];
        Arrays.fill(full, (byte)'x');

        splitter.onBytes(full, 0, MAX);
        splitter.onBytes(new byte[]{ '\r' }, 0, 1);
        feed("y\n");

        assertEquals(2, lines.size());
        assertEquals(MAX, lines.get(0).length);
        assertEquals("\ry", new String(lines.get(1), StandardCharsets.US_ASCII));
    }

    @Test
    void keepsUtf8Bytes()
    {
        feed("héllo wörld ✓\n");

        assertEquals(List.of("héllo wörld ✓"), texts());
    }

    private void feed(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        splitter.onBytes(bytes, 0, bytes.length);
    }

    private List<String> texts()
    {
        final List<String> texts = new ArrayList<>();
        for (final byte[] line : lines)
        {
            texts.add(new String(line, StandardCharsets.UTF_8));
        }
        return texts;
    }
}
