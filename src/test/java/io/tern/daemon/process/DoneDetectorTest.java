package io.tern.daemon.process;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DoneDetectorTest
{
    @Test
    void matchesLinesContainingALiteralDoneString()
    {
        final DoneDetector detector = new DoneDetector(List.of("Done (", ")! For help"));

        assertTrue(matches(detector, "[12:00:00 INFO]: Done (3.2s)! For help, type \"help\""));
        assertTrue(matches(detector, "xx)! For help"));
        assertFalse(matches(detector, "Loading world"));
        assertFalse(detector.isEmpty());
    }

    @Test
    void findsRegexEntries()
    {
        final DoneDetector detector = new DoneDetector(List.of("regex:Server started on port \\d+"));

        assertTrue(matches(detector, "[info] Server started on port 25565, ready"));
        assertFalse(matches(detector, "Server started on port ?"));
    }

    @Test
    void regexPrefixIsOnlySpecialAtTheStart()
    {
        final DoneDetector detector = new DoneDetector(List.of("ready regex:"));

        assertTrue(matches(detector, "ready regex: yes"));
    }

    @Test
    void emptyOrMissingListMeansNoDoneStrings()
    {
        assertTrue(new DoneDetector(List.of()).isEmpty());
        assertTrue(new DoneDetector(null).isEmpty());
        assertFalse(matches(new DoneDetector(List.of()), "Done"));
    }

    @Test
    void rejectsInvalidRegexWithTheEntryInTheMessage()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> new DoneDetector(List.of("regex:[unclosed")));

        assertTrue(ex.getMessage().contains("regex:[unclosed"), ex.getMessage());
    }

    @Test
    void matchesWithinAnOffsetSlice()
    {
        final DoneDetector detector = new DoneDetector(List.of("ready"));
        final byte[] bytes = "ready|not this one".getBytes(StandardCharsets.UTF_8);

        assertFalse(detector.matches(bytes, 6, bytes.length - 6));
        assertTrue(detector.matches(bytes, 0, 5));
    }

    private static boolean matches(final DoneDetector detector, final String line)
    {
        final byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        return detector.matches(bytes, 0, bytes.length);
    }
}
