//! Numerical building blocks: bracketed root refinement, special functions, quadrature.

pub mod quadrature;
pub mod root;
pub mod special;
