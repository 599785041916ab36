{#- Where each kab/kota stands among its peers, figure by figure: its value, the peer group's
    median, its percentile in the group and nationally (0 = lowest, 100 = highest), and one
    sentence a planner can read to the DPRD ("belanja pegawai 27,9 % dari belanja, median kota
    sebanding 37,8 % (12 pemda)"). Peer groups are rules kept as data (ref_kelompok_pembanding
    with the group's wording, population bands in ref_pita_penduduk), and so is the wording of each
    figure (ref_ukuran_pembanding); every pemda's peers are listed in mart_kelompok_pembanding. -#}
with

pembanding as (

    select * from {{ ref('int_pembanding_pemda_measured') }}

),

ukuran as (

    unpivot pembanding
    on
    belanja_per_kapita_rp,
    porsi_belanja_pegawai_persen,
    porsi_belanja_barang_jasa_persen,
    porsi_belanja_modal_persen,
    porsi_belanja_bansos_persen,
    porsi_belanja_transfer_persen,
    porsi_pad_persen,
    porsi_transfer_masuk_persen,
    ipm,
    persen_miskin,
    tpt
    into name kode_ukuran value nilai

),

anggota as (

    select * from {{ ref('int_kelompok_pembanding_listed') }}

),

nilai_anggota as (

    select
        anggota.kode_pemda,
        anggota.kode_kelompok,
        anggota.nama_kelompok,
        ukuran.tahun,
        ukuran.kode_ukuran,
        ukuran.nilai
    from anggota
    inner join ukuran
        on anggota.kode_pemda_pembanding = ukuran.kode_pemda

),

posisi as (

    select
        diri.kode_pemda,
        diri.nama_pemda,
        diri.jenis,
        diri.pulau,
        diri.nama_provinsi,
        kelompok.kode_kelompok,
        kelompok.nama_kelompok,
        diri.tahun,
        diri.kode_ukuran,
        diri.nilai,
        median(kelompok.nilai) as median_kelompok,
        count(kelompok.nilai) as jumlah_pembanding,
        round(
            100.0 * count(kelompok.nilai) filter (where kelompok.nilai < diri.nilai)
            / nullif(count(kelompok.nilai) - 1, 0),
            1
        ) as persentil_kelompok
    from ukuran as diri
    inner join nilai_anggota as kelompok
        on
            diri.kode_pemda = kelompok.kode_pemda
            and diri.tahun = kelompok.tahun
            and diri.kode_ukuran = kelompok.kode_ukuran
    where diri.nilai is not null
    group by all

),

nama_ukuran as (

    select * from {{ ref('ref_ukuran_pembanding') }}

),

kelompok as (

    select * from {{ ref('ref_kelompok_pembanding') }}

)

select
    posisi.kode_pemda,
    posisi.nama_pemda,
    posisi.kode_kelompok,
    posisi.nama_kelompok,
    posisi.tahun,
    posisi.kode_ukuran,
    nama_ukuran.nama_ukuran,
    cast(posisi.nilai as decimal(18, 4)) as nilai,
    cast(posisi.median_kelompok as decimal(18, 4)) as median_kelompok,
    cast(posisi.jumlah_pembanding as integer) as jumlah_pembanding,
    cast(posisi.persentil_kelompok as decimal(4, 1)) as persentil_kelompok,
    cast(nasional.persentil_kelompok as decimal(4, 1)) as persentil_nasional,
    nama_ukuran.frasa || ' '
    || {{ teks_ukuran('posisi.nilai', 'nama_ukuran.bentuk') }}
    || coalesce(' ' || nama_ukuran.pelengkap, '')
    || ', median '
    || replace(
        replace(replace(kelompok.sebutan, '{jenis}', posisi.jenis), '{pulau}', posisi.pulau),
        '{provinsi}',
        posisi.nama_provinsi
    )
    || ' '
    || {{ teks_ukuran('posisi.median_kelompok', 'nama_ukuran.bentuk') }}
    || ' (' || posisi.jumlah_pembanding || ' pemda)' as kalimat
from posisi
inner join nama_ukuran
    on posisi.kode_ukuran = nama_ukuran.kode_ukuran
inner join kelompok
    on posisi.kode_kelompok = kelompok.kode_kelompok
left join posisi as nasional
    on
        posisi.kode_pemda = nasional.kode_pemda
        and posisi.tahun = nasional.tahun
        and posisi.kode_ukuran = nasional.kode_ukuran
        and nasional.kode_kelompok = 'nasional'
