import { hasSettled } from '../../connectors/drop-root';

describe('file-drop settle rule', () => {
  it('with no settle time a file is ready even when its mtime lies a fraction of a millisecond after now', () => {
    // The CI flake this pins: a zip written in the same millisecond had mtimeMs 1000.7 > Date.now() 1000.
    expect(hasSettled(1000.7, 1000, 0)).toBe(true);
  });

  it('with a settle time a file waits until its mtime is that far in the past', () => {
    expect(hasSettled(1000, 60_999, 60_000)).toBe(false);
    expect(hasSettled(1000, 61_000, 60_000)).toBe(true);
    expect(hasSettled(1000.7, 1000, 1)).toBe(false);
  });
});
