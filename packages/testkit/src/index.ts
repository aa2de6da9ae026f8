// Test helpers (private).
export {};
