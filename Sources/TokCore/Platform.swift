import Foundation

/// Cores this process may use.
let _systemCores: Int = ProcessInfo.processInfo.activeProcessorCount
