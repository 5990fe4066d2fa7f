public enum TokTestSupport {}
