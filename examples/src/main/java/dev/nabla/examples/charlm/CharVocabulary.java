package dev.nabla.examples.charlm;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * The characters of a text, sorted, each with its index: the model's tokens. Built from the training text; a
 * character that occurs only in the validation text maps to {@link #UNKNOWN} (index 0, a character no fortune uses).
 */
public final class CharVocabulary {
    /** Stands for any character the training text does not contain. */
    public static final char UNKNOWN = '\u0000';

    private final char[] chars;

    private CharVocabulary(char[] chars) {
        this.chars = chars;
    }

    /** The distinct characters of {@code text}, plus {@link #UNKNOWN}. */
    public static CharVocabulary of(String text) {
        TreeSet<Character> set = new TreeSet<>();
        set.add(UNKNOWN);
        for (int i = 0; i < text.length(); i++) {
            set.add(text.charAt(i));
        }
        char[] chars = new char[set.size()];
        int i = 0;
        for (char c : set) {
            chars[i++] = c;
        }
        return new CharVocabulary(chars);
    }

    /** The vocabulary spelled out as its characters in index order (the inverse of {@link #fromString}). */
    @Override
    public String toString() {
        return new String(chars);
    }

    /** A vocabulary saved with {@link #toString} (a checkpoint's metadata). */
    public static CharVocabulary fromString(String chars) {
        char[] c = chars.toCharArray();
        for (int i = 1; i < c.length; i++) {
            if (c[i - 1] >= c[i]) {
                throw new IllegalArgumentException("a vocabulary lists distinct characters in increasing order");
            }
        }
        return new CharVocabulary(c);
    }

    /** How many tokens. */
    public int size() {
        return chars.length;
    }

    /** The token of {@code c} ({@link #UNKNOWN}'s when {@code c} is not in the vocabulary). */
    public int index(char c) {
        int i = Arrays.binarySearch(chars, c);
        return i >= 0 ? i : 0;
    }

    /** The character of token {@code i}. */
    public char charAt(int i) {
        return chars[i];
    }

    /** Every character of {@code text} as its token. */
    public int[] encode(String text) {
        int[] ids = new int[text.length()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = index(text.charAt(i));
        }
        return ids;
    }
}
