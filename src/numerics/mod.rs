//! Numerical building blocks: bracketed root refinement, special functions (incomplete gamma,
//! Lambert W), quadrature.

pub mod lambert;
pub mod quadrature;
pub mod root;
pub mod special;
